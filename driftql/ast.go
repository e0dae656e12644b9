package driftql

import (
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar is written as participle struct tags; each node records the
// position where it starts. Unquoted identifiers are folded to lower case
// after parsing (as PostgreSQL does); keywords match in any case.

// Script is a sequence of statements separated by semicolons.
type Script struct {
	Statements []*Statement `parser:"(\";\"* @@)* \";\"*"`
}

// Statement is one statement. Exactly one field is set.
type Statement struct {
	Pos    lexer.Position
	EndPos lexer.Position

	CreateTable *CreateTable `parser:"(  \"CREATE\" ( @@"`
	CreateIndex *CreateIndex `parser:"            | @@ ) )"`
	Insert      *Insert      `parser:"| @@"`
	Patch       *Patch       `parser:"| @@"`
	SoftDelete  *SoftDelete  `parser:"| @@"`
	Update      *Update      `parser:"| @@"`
	Delete      *Delete      `parser:"| @@"`
	Select      *Select      `parser:"| @@"`
	ShowDrift   *ShowDrift   `parser:"| @@"`
	Show        *Show        `parser:"| @@"`
	Snapshot    *Snapshot    `parser:"| @@"`
	Compact     *Compact     `parser:"| @@"`
	Begin       *Begin       `parser:"| @@"`
	Commit      *Commit      `parser:"| @@"`
	Rollback    *Rollback    `parser:"| @@"`
	SetTxn      *SetTxn      `parser:"| @@"`
	Set         *Set         `parser:"| @@"`
	Reset       *Reset       `parser:"| @@"`

	// SQL is the statement's source text, filled in by Parse.
	SQL string `parser:""`
}

// Name is a possibly quoted identifier.
type Name struct {
	Pos    lexer.Position
	Ident  string `parser:"(  @Ident"`
	Quoted string `parser:" | @DQString )"`
}

// CreateTable is CREATE TABLE in its DriftQL form (pk=id, INDEX(a, b)) or
// its SQL form (id text PRIMARY KEY, amount int8, ...).
type CreateTable struct {
	Pos         lexer.Position
	IfNotExists bool         `parser:"\"TABLE\" @(\"IF\" \"NOT\" \"EXISTS\")?"`
	Table       *Name        `parser:"@@"`
	Elems       []*TableElem `parser:"\"(\" @@ (\",\" @@)* \")\""`
}

// TableElem is one element of CREATE TABLE's list.
type TableElem struct {
	Pos        lexer.Position
	PK         *Name       `parser:"(  \"PK\" \"=\" @@"`
	Index      []*Name     `parser:" | \"INDEX\" \"(\" @@ (\",\" @@)* \")\""`
	PrimaryKey []*Name     `parser:" | \"PRIMARY\" \"KEY\" \"(\" @@ (\",\" @@)* \")\""`
	Column     *ColumnElem `parser:" | @@ )"`
}

// ColumnElem declares a column.
type ColumnElem struct {
	Pos         lexer.Position
	Name        *Name           `parser:"@@"`
	Type        *TypeName       `parser:"@@"`
	Constraints []*ColumnConstr `parser:"@@*"`
}

// ColumnConstr is a column constraint.
type ColumnConstr struct {
	PrimaryKey bool  `parser:"(  @(\"PRIMARY\" \"KEY\")"`
	NotNull    bool  `parser:" | @(\"NOT\" \"NULL\")"`
	Null       bool  `parser:" | @\"NULL\""`
	Unique     bool  `parser:" | @\"UNIQUE\""`
	Default    *Expr `parser:" | \"DEFAULT\" @@ )"`
}

// TypeName is a SQL type: one or more words and optional modifiers, such
// as varchar(20), numeric(10,2), double precision, timestamp with time zone.
type TypeName struct {
	Words []string `parser:"@Ident (@(\"PRECISION\" | \"VARYING\" | \"WITH\" | \"WITHOUT\" | \"TIME\" | \"ZONE\"))*"`
	Args  []string `parser:"(\"(\" @Number (\",\" @Number)* \")\")?"`
	Array bool     `parser:"@(\"[\" \"]\")?"`
}

// CreateIndex is CREATE INDEX [name] ON table (field).
type CreateIndex struct {
	Pos    lexer.Position
	Unique bool    `parser:"@\"UNIQUE\"? \"INDEX\""`
	Name   *Name   `parser:"( (?! \"ON\") @@ )?"`
	Table  *Name   `parser:"\"ON\" @@"`
	Fields []*Path `parser:"\"(\" @@ (\",\" @@)* \")\""`
}

// Insert is INSERT INTO t {doc}, INSERT INTO t $1, or the SQL form
// INSERT INTO t (cols) VALUES (...), (...).
type Insert struct {
	Pos       lexer.Position
	Table     *Name       `parser:"\"INSERT\" \"INTO\" @@"`
	Doc       *JSONObject `parser:"(  @@"`
	DocParam  *Param      `parser:" | @@"`
	Columns   []*Name     `parser:" | ( \"(\" @@ (\",\" @@)* \")\" )?"`
	Rows      []*RowExprs `parser:"   \"VALUES\" @@ (\",\" @@)* )"`
	Returning []*SelItem  `parser:"( \"RETURNING\" @@ (\",\" @@)* )?"`
}

// RowExprs is one parenthesised row of VALUES.
type RowExprs struct {
	Values []*Expr `parser:"\"(\" @@ (\",\" @@)* \")\""`
}

// Patch is PATCH t KEY k SET {patch}.
type Patch struct {
	Pos      lexer.Position
	Table    *Name       `parser:"\"PATCH\" @@"`
	Key      *Value      `parser:"\"KEY\" @@"`
	Doc      *JSONObject `parser:"\"SET\" ( @@"`
	DocParam *Param      `parser:"      | @@ )"`
}

// SoftDelete is SOFT DELETE FROM t KEY k.
type SoftDelete struct {
	Pos   lexer.Position
	Table *Name  `parser:"\"SOFT\" \"DELETE\" \"FROM\" @@"`
	Key   *Value `parser:"\"KEY\" @@"`
}

// Update is UPDATE t SET a = expr, ... [WHERE ...].
type Update struct {
	Pos       lexer.Position
	Table     *Name         `parser:"\"UPDATE\" @@"`
	Sets      []*Assignment `parser:"\"SET\" @@ (\",\" @@)*"`
	Where     *Expr         `parser:"(\"WHERE\" @@)?"`
	Returning []*SelItem    `parser:"( \"RETURNING\" @@ (\",\" @@)* )?"`
}

// Assignment is column = expr.
type Assignment struct {
	Column *Path `parser:"@@ \"=\""`
	Value  *Expr `parser:"@@"`
}

// Delete is DELETE FROM t [WHERE ...].
type Delete struct {
	Pos       lexer.Position
	Table     *Name      `parser:"\"DELETE\" \"FROM\" @@"`
	Where     *Expr      `parser:"(\"WHERE\" @@)?"`
	Returning []*SelItem `parser:"( \"RETURNING\" @@ (\",\" @@)* )?"`
}

// Select is a query. AS OF may follow the table, the WHERE clause, or the
// whole query.
type Select struct {
	Pos     lexer.Position
	Items   []*SelItem   `parser:"\"SELECT\" @@ (\",\" @@)*"`
	From    *TableRef    `parser:"(\"FROM\" @@)?"`
	Where   *Expr        `parser:"(\"WHERE\" @@)?"`
	AsOf    *AsOf        `parser:"@@?"`
	OrderBy []*OrderItem `parser:"(\"ORDER\" \"BY\" @@ (\",\" @@)*)?"`
	Lock    *Locking     `parser:"@@?"`
	Limit   *Expr        `parser:"(\"LIMIT\" @@)?"`
	Offset  *Expr        `parser:"(\"OFFSET\" @@ (\"ROW\" | \"ROWS\")?)?"`
	AsOf2   *AsOf        `parser:"@@?"`
	Lock2   *Locking     `parser:"@@?"`
}

// Locking is FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE or FOR KEY SHARE,
// with OF tables, NOWAIT or SKIP LOCKED.
type Locking struct {
	Pos        lexer.Position
	Strength   []string `parser:"\"FOR\" @( \"UPDATE\" | \"NO\" \"KEY\" \"UPDATE\" | \"SHARE\" | \"KEY\" \"SHARE\" )"`
	Of         []*Name  `parser:"( \"OF\" @@ (\",\" @@)* )?"`
	NoWait     bool     `parser:"( @\"NOWAIT\""`
	SkipLocked bool     `parser:"| @(\"SKIP\" \"LOCKED\") )?"`
}

// AsOf is AS OF "@seq:N" or AS OF "<time>".
type AsOf struct {
	Pos   lexer.Position
	Point *Value `parser:"\"AS\" \"OF\" @@"`
}

// TableRef is the table of a query with an optional alias and AS OF.
type TableRef struct {
	Pos   lexer.Position
	Table *Path `parser:"@@"`
	AsOf  *AsOf `parser:"( @@"`
	Alias *Name `parser:" | \"AS\"? (?! \"WHERE\" | \"ORDER\" | \"LIMIT\" | \"OFFSET\" | \"FOR\") @@ )?"`
}

// SelItem is one item of a select list.
type SelItem struct {
	Pos   lexer.Position
	Star  bool  `parser:"(  @\"*\""`
	Expr  *Expr `parser:" | @@"`
	Alias *Name `parser:"   ( \"AS\"? (?! \"FROM\" | \"WHERE\" | \"ORDER\" | \"LIMIT\" | \"OFFSET\" | \"AS\") @@ )? )"`
}

// OrderItem is one ORDER BY term.
type OrderItem struct {
	Expr  *Expr  `parser:"@@"`
	Desc  bool   `parser:"( @\"DESC\" | \"ASC\" )?"`
	Nulls string `parser:"( \"NULLS\" @(\"FIRST\" | \"LAST\") )?"`
}

// ShowDrift is SHOW DRIFT t KEY k.
type ShowDrift struct {
	Pos   lexer.Position
	Table *Name  `parser:"\"SHOW\" \"DRIFT\" @@"`
	Key   *Value `parser:"\"KEY\" @@"`
}

// Show is SHOW name, SHOW ALL, SHOW TRANSACTION ISOLATION LEVEL.
type Show struct {
	Pos       lexer.Position
	Isolation bool  `parser:"\"SHOW\" ( @(\"TRANSACTION\" \"ISOLATION\" \"LEVEL\")"`
	All       bool  `parser:"     | @\"ALL\""`
	Name      *Path `parser:"     | @@ )"`
}

// Snapshot is SNAPSHOT t.
type Snapshot struct {
	Pos   lexer.Position
	Table *Name `parser:"\"SNAPSHOT\" @@"`
}

// Compact is COMPACT t [BEFORE point].
type Compact struct {
	Pos    lexer.Position
	Table  *Name  `parser:"\"COMPACT\" @@"`
	Before *Value `parser:"(\"BEFORE\" @@)?"`
}

// Begin starts a transaction.
type Begin struct {
	Pos  lexer.Position
	Kw   string     `parser:"( @\"BEGIN\" (\"TRANSACTION\" | \"WORK\")? | @\"START\" \"TRANSACTION\" )"`
	Mode []*TxnMode `parser:"(@@ \",\"?)*"`
}

// TxnMode is a transaction mode.
type TxnMode struct {
	Isolation []string `parser:"(  \"ISOLATION\" \"LEVEL\" @(\"SERIALIZABLE\" | \"REPEATABLE\" \"READ\" | \"READ\" \"COMMITTED\" | \"READ\" \"UNCOMMITTED\")"`
	ReadOnly  bool     `parser:" | \"READ\" ( @\"ONLY\" | \"WRITE\" )"`
	Defer     bool     `parser:" | \"NOT\"? @\"DEFERRABLE\" )"`
}

// Commit ends a transaction.
type Commit struct {
	Pos lexer.Position
	Kw  string `parser:"( @\"COMMIT\" | @\"END\" ) (\"TRANSACTION\" | \"WORK\")?"`
}

// Rollback abandons a transaction.
type Rollback struct {
	Pos lexer.Position
	Kw  string `parser:"( @\"ROLLBACK\" | @\"ABORT\" ) (\"TRANSACTION\" | \"WORK\")?"`
}

// SetTxn is SET TRANSACTION modes (for the transaction in progress) or
// SET SESSION CHARACTERISTICS AS TRANSACTION modes (for the ones after).
type SetTxn struct {
	Pos     lexer.Position
	Session bool       `parser:"\"SET\" @(\"SESSION\" \"CHARACTERISTICS\" \"AS\")? \"TRANSACTION\""`
	Mode    []*TxnMode `parser:"@@ (\",\"? @@)*"`
}

// Set changes a session setting.
type Set struct {
	Pos      lexer.Position
	Scope    string    `parser:"\"SET\" ( @\"SESSION\" | @\"LOCAL\" )?"`
	TimeZone *SetArg   `parser:"(  \"TIME\" \"ZONE\" @@"`
	Name     *Path     `parser:" | @@ ( \"=\" | \"TO\" )"`
	Values   []*SetArg `parser:"   @@ (\",\" @@)* )"`
}

// SetArg is a value of SET.
type SetArg struct {
	Default bool   `parser:"(  @\"DEFAULT\""`
	Value   *Value `parser:" | @@"`
	Ident   *Name  `parser:" | @@ )"`
}

// Reset restores a session setting.
type Reset struct {
	Pos  lexer.Position
	All  bool  `parser:"\"RESET\" ( @\"ALL\""`
	Name *Path `parser:" | @@ )"`
}

// Path is a dotted name: a column, a nested field (address.city), a
// qualified column ("users"."status"), or a setting (driftdb.as_of).
type Path struct {
	Pos   lexer.Position
	Parts []*Name `parser:"@@ ( \".\" @@ )*"`
	// names is Strings, worked out once after parsing (foldPaths).
	names []string
}

// Param is $n.
type Param struct {
	Pos lexer.Position
	N   string `parser:"@Param"`
}

// Value is a literal or parameter where DriftQL puts a value (KEY, AS OF,
// BEFORE, SET): double-quoted text is a string here.
type Value struct {
	Pos    lexer.Position
	Neg    bool     `parser:"@\"-\"?"`
	Number *string  `parser:"(  @Number"`
	SQ     *string  `parser:" | @SQString"`
	DQ     *string  `parser:" | @DQString"`
	Param  *Param   `parser:" | @@"`
	Bool   *Boolean `parser:" | @(\"TRUE\" | \"FALSE\")"`
	Null   bool     `parser:" | @\"NULL\" )"`
}

// Boolean captures TRUE or FALSE.
type Boolean bool

// Capture implements participle.Capture.
func (b *Boolean) Capture(values []string) error {
	*b = len(values) > 0 && (values[0] == "TRUE" || values[0] == "true" || values[0] == "True" || lowerASCII(values[0]) == "true")
	return nil
}
