package engine

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Views are PostgreSQL's: named queries for CREATE [OR REPLACE] VIEW and
// DROP VIEW. The engine keeps their definitions; the SQL layer binds the
// query, works out the output columns and the relations it reads, and
// expands the view where a query names it.
//
// Views are not versioned: a query AS OF a past point reads the view's
// current definition over the tables as they were at that point. Their
// names are relations' names, shared with tables, indexes and sequences.
// A view lives in a file of its own (viewfile.go), replaced atomically.

// ViewDef is a view's definition.
type ViewDef struct {
	Name string
	// SQL is the view's query (a SELECT) as text.
	SQL string
	// Columns are the names of the query's output columns, as the SQL
	// layer computed them.
	Columns []string
	// Tables are the tables and views the query reads. A table or view
	// listed here cannot be dropped while the view exists (2BP01), unless
	// the view is dropped with it (DropTableCascade, DropViewCascade).
	Tables []string
	// OID is the view's object identifier (oid.go), given by CreateView
	// (which ignores the caller's) and kept by a replace.
	OID uint32
	// Comment is the view's comment (COMMENT ON VIEW) and ColumnComments
	// those of its columns, by name; CreateView ignores the caller's, and
	// a replace keeps them.
	Comment        string
	ColumnComments map[string]string
}

func (d ViewDef) clone() ViewDef {
	d.Columns = slices.Clone(d.Columns)
	d.Tables = slices.Clone(d.Tables)
	d.ColumnComments = maps.Clone(d.ColumnComments)
	return d
}

// reads reports whether the view reads the relation name.
func (d *ViewDef) reads(name string) bool { return slices.Contains(d.Tables, name) }

// viewSet is the database's views. Changes hold DB.wmu, then mu; readers
// hold mu only. A stored ViewDef is never changed: a replace stores a new
// one.
type viewSet struct {
	mu sync.RWMutex
	m  map[string]*ViewDef
}

func (vs *viewSet) get(name string) (*ViewDef, bool) {
	vs.mu.RLock()
	defer vs.mu.RUnlock()
	d, ok := vs.m[name]
	return d, ok
}

func (vs *viewSet) put(d *ViewDef) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	vs.m[d.Name] = d
}

func (vs *viewSet) remove(name string) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	delete(vs.m, name)
}

// dependents returns the views that read name, sorted by name.
func (vs *viewSet) dependents(name string) []*ViewDef {
	vs.mu.RLock()
	defer vs.mu.RUnlock()
	var out []*ViewDef
	for _, d := range vs.m {
		if d.reads(name) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// dependency is one line of a dependency report: view depends on the
// relation on, of kind ("table" or "view").
type dependency struct {
	view, kind, on string
}

// dependencies walks the views that read the relation name (of kind),
// and those that read them, depth first. It returns each dependency in
// the order met, as PostgreSQL reports them, and the views in an order
// in which each comes before every view it reads, so that dropping them
// in that order never leaves a view reading a view already gone.
func (vs *viewSet) dependencies(kind, name string) (deps []dependency, dropOrder []string) {
	seen := map[string]bool{}
	var walk func(kind, name string)
	walk = func(kind, name string) {
		for _, d := range vs.dependents(name) {
			deps = append(deps, dependency{view: d.Name, kind: kind, on: name})
			if seen[d.Name] {
				continue
			}
			seen[d.Name] = true
			walk("view", d.Name)
			dropOrder = append(dropOrder, d.Name)
		}
	}
	walk(kind, name)
	return deps, dropOrder
}

// dependentObjectsError is PostgreSQL's error for a DROP without CASCADE
// of a relation that views read.
func dependentObjectsError(kind, name string, deps []dependency) error {
	lines := make([]string, 0, len(deps))
	seen := map[dependency]bool{}
	for _, d := range deps {
		if !seen[d] {
			seen[d] = true
			lines = append(lines, fmt.Sprintf("view %s depends on %s %s", d.view, d.kind, d.on))
		}
	}
	return &Error{Code: CodeDependentObjects,
		Msg:    fmt.Sprintf("cannot drop %s %s because other objects depend on it", kind, name),
		Detail: strings.Join(lines, "\n"),
		Hint:   "Use DROP ... CASCADE to drop the dependent objects too."}
}

// wrongType is PostgreSQL's error for a DROP of a relation of another
// kind: `"t" is not a view`, with a hint naming the right statement.
func wrongType(name, want, is string) error {
	hint := map[string]string{
		"table":    "Use DROP TABLE to remove a table.",
		"view":     "Use DROP VIEW to remove a view.",
		"sequence": "Use DROP SEQUENCE to remove a sequence.",
		"index":    "Use DROP INDEX to remove an index.",
	}[is]
	article := "a"
	if strings.IndexByte("aeiou", want[0]) >= 0 {
		article = "an"
	}
	return &Error{Code: CodeWrongObjectType, Msg: fmt.Sprintf("%q is not %s %s", name, article, want), Hint: hint}
}

// relationKind says what the relation name is: "table", "view",
// "sequence", "index", or "" when there is none. Callers hold wmu.
func (db *DB) relationKind(name string) string {
	if _, ok := db.work[name]; ok || db.st.HasStream(name) {
		return "table"
	}
	if _, ok := db.views.get(name); ok {
		return "view"
	}
	if _, ok := db.seqs.get(name); ok {
		return "sequence"
	}
	if db.indexNamed(name) != "" {
		return "index"
	}
	return ""
}

// validate checks a definition CreateView is given.
func (d *ViewDef) validate() error {
	if !ValidName(d.Name) {
		return errorf(CodeInvalidName, "invalid view name %q", d.Name)
	}
	if strings.TrimSpace(d.SQL) == "" {
		return errorf(CodeInvalidParameter, "view %q has no query", d.Name)
	}
	seen := map[string]bool{}
	for _, c := range d.Columns {
		if seen[c] {
			return errorf(CodeDuplicateColumn, "column %q specified more than once", c)
		}
		seen[c] = true
	}
	for _, t := range d.Tables {
		if !ValidName(t) {
			return errorf(CodeInvalidName, "invalid relation name %q", t)
		}
	}
	return nil
}

// CreateView creates the view def.Name, as CREATE VIEW does, or with
// replace (CREATE OR REPLACE VIEW) replaces the view of that name, if
// any, in one atomic step. A table, index or sequence of that name fails
// with 42P07 (with replace, 42809 `"t" is not a view`, as PostgreSQL
// says), and so does a view without replace. A replacement must keep the
// old columns, in order and by name, and may add more at the end
// (42P16, PostgreSQL's messages); their types are the SQL layer's to
// check. Every relation in def.Tables must be a table or a view (42P01),
// and a view may not read itself, through other views either (42P17).
// The view is durable when CreateView returns.
func (db *DB) CreateView(def ViewDef, replace bool) error {
	def = def.clone()
	if err := def.validate(); err != nil {
		return err
	}
	slices.Sort(def.Tables)
	def.Tables = slices.Compact(def.Tables)
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	switch kind := db.relationKind(def.Name); {
	case kind == "view" && replace:
		old, _ := db.views.get(def.Name)
		if err := checkReplacement(old, &def); err != nil {
			return err
		}
	case kind != "" && replace:
		return errorf(CodeWrongObjectType, "%q is not a view", def.Name)
	case kind != "":
		return wrapf(CodeDuplicateTable, ErrTableExists, "relation %q already exists", def.Name)
	}
	if err := db.checkViewReads(&def); err != nil {
		return err
	}
	def.OID, def.Comment, def.ColumnComments = 0, "", nil
	if old, ok := db.views.get(def.Name); ok {
		def.OID, def.Comment, def.ColumnComments = old.OID, old.Comment, maps.Clone(old.ColumnComments)
	}
	if err := db.giveOIDs([]*uint32{&def.OID}); err != nil {
		return err
	}
	if err := db.writeView(&def); err != nil {
		return storageError(err)
	}
	db.views.put(&def)
	return nil
}

// checkReplacement checks that a new definition of a view keeps the old
// one's columns.
func checkReplacement(old, d *ViewDef) error {
	if len(d.Columns) < len(old.Columns) {
		return errorf(CodeInvalidTableDefinition, "cannot drop columns from view")
	}
	for i, c := range old.Columns {
		if d.Columns[i] != c {
			e := errorf(CodeInvalidTableDefinition, "cannot change name of view column %q to %q", c, d.Columns[i]).(*Error)
			e.Hint = "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead."
			return e
		}
	}
	return nil
}

// checkViewReads checks that the relations d reads are tables or views,
// and that none of those views reads d. Callers hold wmu.
func (db *DB) checkViewReads(d *ViewDef) error {
	for _, t := range d.Tables {
		switch db.relationKind(t) {
		case "table":
		case "view":
			if t == d.Name || db.viewReadsRelation(t, d.Name) {
				return errorf(CodeInvalidObjectDef, "infinite recursion detected in rules for relation %q", d.Name)
			}
		default:
			return wrapf(CodeUndefinedTable, ErrNoTable, "relation %q does not exist", t)
		}
	}
	return nil
}

// viewReadsRelation reports whether the view name reads rel, directly or
// through other views.
func (db *DB) viewReadsRelation(name, rel string) bool {
	seen := map[string]bool{}
	var reads func(string) bool
	reads = func(name string) bool {
		if seen[name] {
			return false
		}
		seen[name] = true
		d, ok := db.views.get(name)
		if !ok {
			return false
		}
		for _, t := range d.Tables {
			if t == rel || reads(t) {
				return true
			}
		}
		return false
	}
	return reads(name)
}

// DropView drops a view, as DROP VIEW does. A missing one fails with
// 42P01, or does nothing with ifExists; a table, sequence or index of
// that name fails with 42809, with ifExists too. A view another view
// reads fails with 2BP01. A crash leaves the view whole or gone.
func (db *DB) DropView(name string, ifExists bool) error {
	return db.dropView(name, ifExists, false)
}

// DropViewCascade drops a view and, first, every view that reads it
// (DROP VIEW ... CASCADE), each one crash-safe: a crash leaves some of
// the views that read it gone, and never a view that reads one gone.
func (db *DB) DropViewCascade(name string, ifExists bool) error {
	return db.dropView(name, ifExists, true)
}

func (db *DB) dropView(name string, ifExists, cascade bool) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	switch kind := db.relationKind(name); kind {
	case "view":
	case "":
		if ifExists {
			return nil
		}
		return wrapf(CodeUndefinedTable, ErrNoView, "view %q does not exist", name)
	default:
		return wrongType(name, "view", kind)
	}
	deps, order := db.views.dependencies("view", name)
	if len(deps) > 0 && !cascade {
		return dependentObjectsError("view", name, deps)
	}
	return db.removeViews(append(order, name))
}

// removeViews drops the views names, in order. Callers hold wmu.
func (db *DB) removeViews(names []string) error {
	for _, n := range names {
		if err := db.removeViewFile(n); err != nil {
			return storageError(err)
		}
		db.views.remove(n)
	}
	return nil
}

// ViewDef returns the definition of the view name, and whether there is
// one. It is safe for use concurrent with any change.
func (db *DB) ViewDef(name string) (ViewDef, bool) {
	d, ok := db.views.get(name)
	if !ok {
		return ViewDef{}, false
	}
	return d.clone(), true
}

// Views returns the definitions of every view, sorted by name.
func (db *DB) Views() []ViewDef {
	db.views.mu.RLock()
	out := make([]ViewDef, 0, len(db.views.m))
	for _, d := range db.views.m {
		out = append(out, d.clone())
	}
	db.views.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// tableDependents is DropTable's check of the views that read a table:
// with cascade it drops them, else it fails with 2BP01 if there are any.
// Callers hold wmu.
func (db *DB) tableDependents(name string, cascade bool) error {
	deps, order := db.views.dependencies("table", name)
	if len(deps) == 0 {
		return nil
	}
	if !cascade {
		return dependentObjectsError("table", name, deps)
	}
	return db.removeViews(order)
}

// renameRefused is RenameTable's error for a table views read: a view
// keeps its query as text, which would still name the old table.
func renameRefused(name string, deps []dependency) error {
	var views []string
	for _, d := range deps {
		if d.on == name {
			views = append(views, d.view)
		}
	}
	return &Error{Code: CodeFeatureUnsupported,
		Msg:    fmt.Sprintf("cannot rename table %s because views depend on it", name),
		Detail: fmt.Sprintf("views reading it: %s", strings.Join(views, ", ")),
		Hint:   "Drop the views, rename the table, then create them again."}
}
