package driftql

import (
	"github.com/alecthomas/participle/v2/lexer"
)

// Expressions, by precedence from loosest to tightest:
//
//	OR < AND < NOT < comparison, IS, IN, LIKE, BETWEEN < + - || < * / % < unary - < ::

// Expr is an expression: terms joined by OR.
type Expr struct {
	Pos lexer.Position
	Or  []*AndExpr `parser:"@@ ( \"OR\" @@ )*"`
}

// AndExpr is terms joined by AND.
type AndExpr struct {
	And []*NotExpr `parser:"@@ ( \"AND\" @@ )*"`
}

// NotExpr is an optionally negated comparison.
type NotExpr struct {
	Not  bool     `parser:"@\"NOT\"?"`
	Cond *CmpExpr `parser:"@@"`
}

// CmpExpr is an operand with an optional comparison.
type CmpExpr struct {
	Pos     lexer.Position
	Left    *AddExpr  `parser:"@@"`
	Op      string    `parser:"(  @( \"=\" | \"!=\" | \"<>\" | \"<=\" | \">=\" | \"<\" | \">\" )"`
	Right   *AddExpr  `parser:"   @@"`
	Is      *IsTest   `parser:" | @@"`
	In      *InList   `parser:" | @@"`
	Like    *LikeTest `parser:" | @@"`
	Between *Between  `parser:" | @@ )?"`
}

// IsTest is IS [NOT] NULL / TRUE / FALSE.
type IsTest struct {
	Not  bool   `parser:"\"IS\" @\"NOT\"?"`
	What string `parser:"@( \"NULL\" | \"TRUE\" | \"FALSE\" )"`
}

// InList is [NOT] IN (values).
type InList struct {
	Not    bool       `parser:"@\"NOT\"? \"IN\""`
	Values []*AddExpr `parser:"\"(\" @@ (\",\" @@)* \")\""`
}

// LikeTest is [NOT] LIKE / ILIKE pattern.
type LikeTest struct {
	Not     bool     `parser:"@\"NOT\"?"`
	ILike   bool     `parser:"( \"LIKE\" | @\"ILIKE\" )"`
	Pattern *AddExpr `parser:"@@"`
}

// Between is [NOT] BETWEEN a AND b.
type Between struct {
	Not bool     `parser:"@\"NOT\"? \"BETWEEN\""`
	Lo  *AddExpr `parser:"@@ \"AND\""`
	Hi  *AddExpr `parser:"@@"`
}

// AddExpr is terms joined by + - ||.
type AddExpr struct {
	Left *MulExpr `parser:"@@"`
	Rest []*AddOp `parser:"@@*"`
}

// AddOp is one + - || and its term.
type AddOp struct {
	Op    string   `parser:"@( \"+\" | \"-\" | \"||\" )"`
	Right *MulExpr `parser:"@@"`
}

// MulExpr is factors joined by * / %.
type MulExpr struct {
	Left *Unary   `parser:"@@"`
	Rest []*MulOp `parser:"@@*"`
}

// MulOp is one * / % and its factor.
type MulOp struct {
	Op    string `parser:"@( \"*\" | \"/\" | \"%\" )"`
	Right *Unary `parser:"@@"`
}

// Unary is an optionally negated primary with optional casts.
type Unary struct {
	Neg     bool        `parser:"@\"-\"?"`
	Primary *Primary    `parser:"@@"`
	Casts   []*TypeName `parser:"( \"::\" @@ )*"`
}

// Primary is an operand.
type Primary struct {
	Pos    lexer.Position
	Number *string     `parser:"(  @Number"`
	SQ     *string     `parser:" | @SQString"`
	Param  *Param      `parser:" | @@"`
	Bool   *Boolean    `parser:" | @(\"TRUE\" | \"FALSE\")"`
	Null   bool        `parser:" | @\"NULL\""`
	Cast   *CastExpr   `parser:" | @@"`
	Sub    *Expr       `parser:" | \"(\" @@ \")\""`
	Doc    *JSONObject `parser:" | @@"`
	Column *Path       `parser:" | @@"`
	Call   *Call       `parser:"   @@? )"`
	// Str is set by Parse when a double-quoted name stands as a value
	// (the right side of a comparison, an IN list): DriftQL's string.
	Str *string `parser:""`
}

// CastExpr is CAST(expr AS type).
type CastExpr struct {
	Expr *Expr     `parser:"\"CAST\" \"(\" @@"`
	Type *TypeName `parser:"\"AS\" @@ \")\""`
}

// Call is the argument list of a function call: count(*), version(),
// current_setting('x'). Parse moves the name from Column into Name.
type Call struct {
	Pos      lexer.Position
	Name     *Path   `parser:""`
	Star     bool    `parser:"\"(\" (  @\"*\""`
	Distinct bool    `parser:"    | @\"DISTINCT\"?"`
	Args     []*Expr `parser:"      @@ ( \",\" @@ )* )? \")\""`
}
