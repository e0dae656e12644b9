package engine

import (
	"math"
	"sort"
	"strings"
	"sync"
)

// Sequences are PostgreSQL's: named counters for CREATE SEQUENCE, serial
// and identity columns, read and moved by Nextval and Setval. They are not
// transactional (a rolled-back transaction does not give its numbers
// back) and not versioned (AS OF does not apply to them). currval and
// lastval remember what a session's nextval returned: they are the
// session's business, not the engine's.
//
// A sequence lives in a file of its own (seqfile.go), in the table's
// directory when a column owns it, so that it goes with its table when
// the table is dropped or renamed. Nextval logs ahead: it writes a value
// seqLogVals steps on and hands out the values up to it from memory, so
// that most calls touch no file, and a crash skips at most that many
// values but never gives one out twice.

// seqLogVals is how many values Nextval hands out per write of the
// sequence's file (PostgreSQL's SEQ_LOG_VALS).
const seqLogVals = 32

// SequenceOwner is the column that owns a sequence: the sequence is
// dropped with its table. The zero value is no owner.
type SequenceOwner struct {
	Table  string `json:"table"`
	Column string `json:"column"`
}

// SequenceOptions are the options of CREATE SEQUENCE. A nil field takes
// PostgreSQL's default: Increment 1; Min 1 and Max the type's maximum for
// an ascending sequence, the type's minimum and -1 for a descending one;
// Start Min for an ascending sequence, Max for a descending one; Cache 1.
type SequenceOptions struct {
	// Type is the sequence's data type: "smallint", "integer" or
	// "bigint" (or int2, int4, int8); "" is bigint. It bounds Min and Max.
	Type      string
	Start     *int64
	Increment *int64
	Min       *int64
	Max       *int64
	// Cache is accepted and kept for pg_sequences; values are not cached
	// per session.
	Cache   *int64
	Cycle   bool
	OwnedBy SequenceOwner
}

// SequenceInfo describes a sequence and its state, as pg_sequences shows
// it.
type SequenceInfo struct {
	Name string
	// OID is the sequence's object identifier (oid.go).
	OID       uint32
	Type      string // "smallint", "integer" or "bigint"
	Start     int64
	Increment int64
	Min       int64
	Max       int64
	Cache     int64
	Cycle     bool
	OwnedBy   SequenceOwner
	// LastValue is the last value Nextval returned or Setval set. When
	// IsCalled is false, it is the value the next Nextval returns, and
	// pg_sequences shows NULL.
	LastValue int64
	IsCalled  bool
	// Comment is the sequence's comment (COMMENT ON SEQUENCE).
	Comment string
}

// seqDef is a sequence's definition, with every default resolved.
type seqDef struct {
	Type      string        `json:"type"`
	Start     int64         `json:"start"`
	Increment int64         `json:"increment"`
	Min       int64         `json:"min"`
	Max       int64         `json:"max"`
	Cache     int64         `json:"cache"`
	Cycle     bool          `json:"cycle"`
	OwnedBy   SequenceOwner `json:"owned_by,omitzero"`
	// Comment is the sequence's comment (COMMENT ON SEQUENCE).
	Comment string `json:"comment,omitempty"`
}

// sequence is an open sequence. mu guards everything but name.
type sequence struct {
	name string
	oid  uint32 // set when made (or at open), never changed
	mu   sync.Mutex
	def  seqDef
	last int64
	// called is false until a Nextval returned last (or Setval said so).
	called bool
	// logCnt is how many more values Nextval may hand out before it must
	// write the file again: the file says the values up to some value
	// ahead of last are taken.
	logCnt  int
	dropped bool
	// logVals, when not 0, is how many values a write of the file
	// covers, in place of seqLogVals.
	logVals int
}

// seqTypeRange returns the canonical name of a sequence type and its
// range.
func seqTypeRange(t string) (string, int64, int64, error) {
	switch strings.ToLower(t) {
	case "", "bigint", "int8":
		return "bigint", math.MinInt64, math.MaxInt64, nil
	case "integer", "int", "int4":
		return "integer", math.MinInt32, math.MaxInt32, nil
	case "smallint", "int2":
		return "smallint", math.MinInt16, math.MaxInt16, nil
	}
	return "", 0, 0, errorf(CodeInvalidParameter, "sequence type must be smallint, integer, or bigint")
}

// resolve checks the options as PostgreSQL's CREATE SEQUENCE does and
// fills in the defaults.
func (o *SequenceOptions) resolve() (seqDef, error) {
	typ, tmin, tmax, err := seqTypeRange(o.Type)
	if err != nil {
		return seqDef{}, err
	}
	d := seqDef{Type: typ, Increment: 1, Cache: 1, Cycle: o.Cycle, OwnedBy: o.OwnedBy}
	if o.Increment != nil {
		d.Increment = *o.Increment
	}
	if d.Increment == 0 {
		return seqDef{}, errorf(CodeInvalidParameter, "INCREMENT must not be zero")
	}
	d.Max, d.Min = tmax, 1
	if d.Increment < 0 {
		d.Max, d.Min = -1, tmin
	}
	if o.Max != nil {
		d.Max = *o.Max
		if d.Max < tmin || d.Max > tmax {
			return seqDef{}, errorf(CodeInvalidParameter, "MAXVALUE (%d) is out of range for sequence data type %s", d.Max, typ)
		}
	}
	if o.Min != nil {
		d.Min = *o.Min
		if d.Min < tmin || d.Min > tmax {
			return seqDef{}, errorf(CodeInvalidParameter, "MINVALUE (%d) is out of range for sequence data type %s", d.Min, typ)
		}
	}
	if d.Min >= d.Max {
		return seqDef{}, errorf(CodeInvalidParameter, "MINVALUE (%d) must be less than MAXVALUE (%d)", d.Min, d.Max)
	}
	d.Start = d.Min
	if d.Increment < 0 {
		d.Start = d.Max
	}
	if o.Start != nil {
		d.Start = *o.Start
	}
	if d.Start < d.Min {
		return seqDef{}, errorf(CodeInvalidParameter, "START value (%d) cannot be less than MINVALUE (%d)", d.Start, d.Min)
	}
	if d.Start > d.Max {
		return seqDef{}, errorf(CodeInvalidParameter, "START value (%d) cannot be greater than MAXVALUE (%d)", d.Start, d.Max)
	}
	if o.Cache != nil {
		d.Cache = *o.Cache
		if d.Cache <= 0 {
			return seqDef{}, errorf(CodeInvalidParameter, "CACHE (%d) must be greater than zero", d.Cache)
		}
	}
	return d, nil
}

// after returns the value that follows v, or false at the end of a
// sequence that does not cycle. It does not overflow.
func (d *seqDef) after(v int64) (int64, bool) {
	inc := d.Increment
	if inc > 0 {
		if (d.Max >= 0 && v > d.Max-inc) || (d.Max < 0 && v+inc > d.Max) {
			return d.Min, d.Cycle
		}
		return v + inc, true
	}
	if (d.Min < 0 && v < d.Min-inc) || (d.Min >= 0 && v+inc < d.Min) {
		return d.Max, d.Cycle
	}
	return v + inc, true
}

// next returns the value Nextval gives now.
func (s *sequence) next() (int64, error) {
	if !s.called {
		return s.last, nil
	}
	v, ok := s.def.after(s.last)
	if !ok {
		if s.def.Increment > 0 {
			return 0, errorf(CodeSequenceLimit, "nextval: reached maximum value of sequence %q (%d)", s.name, s.def.Max)
		}
		return 0, errorf(CodeSequenceLimit, "nextval: reached minimum value of sequence %q (%d)", s.name, s.def.Min)
	}
	return v, nil
}

// ahead returns the value n steps after v (fewer at the end of a sequence
// that does not cycle) and how many values from v to it inclusive there
// are.
func (d *seqDef) ahead(v int64, n int) (int64, int) {
	cnt := 1
	for ; cnt <= n; cnt++ {
		w, ok := d.after(v)
		if !ok {
			break
		}
		v = w
	}
	return v, cnt
}

func (s *sequence) info() SequenceInfo {
	d := s.def
	return SequenceInfo{Name: s.name, OID: s.oid, Type: d.Type, Start: d.Start, Increment: d.Increment, Min: d.Min,
		Max: d.Max, Cache: d.Cache, Cycle: d.Cycle, OwnedBy: d.OwnedBy, LastValue: s.last, IsCalled: s.called, Comment: d.Comment}
}

// sequenceSet is the database's sequences. Lock order: DB.wmu, then mu,
// then a sequence's mu.
type sequenceSet struct {
	mu sync.RWMutex
	m  map[string]*sequence
	// rowids are the row-id counters of the tables without a primary
	// key, by table (rowid.go).
	rowids map[string]*sequence
}

func (ss *sequenceSet) get(name string) (*sequence, bool) {
	ss.mu.RLock()
	defer ss.mu.RUnlock()
	s, ok := ss.m[name]
	return s, ok
}

// owned returns the sequences a column of table owns. Callers hold mu.
func (ss *sequenceSet) owned(table string) []*sequence {
	var out []*sequence
	for _, s := range ss.m {
		if s.def.OwnedBy.Table == table {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func noSequence(name string) error {
	return wrapf(CodeUndefinedTable, ErrNoSequence, "relation %q does not exist", name)
}

// CreateSequence creates a sequence, as CREATE SEQUENCE does. Its name is
// a relation's: a table, an index or a sequence of that name fails with
// 42P07. A sequence owned by a column (opts.OwnedBy) is dropped with the
// column's table. The sequence is durable when CreateSequence returns.
func (db *DB) CreateSequence(name string, opts SequenceOptions) error {
	if !ValidName(name) {
		return errorf(CodeInvalidName, "invalid sequence name %q", name)
	}
	def, err := opts.resolve()
	if err != nil {
		return err
	}
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	if db.relationExists(name) {
		return wrapf(CodeDuplicateTable, ErrTableExists, "relation %q already exists", name)
	}
	if o := def.OwnedBy; o != (SequenceOwner{}) {
		ts, ok := db.work[o.Table]
		if !ok {
			return noTable(o.Table)
		}
		if _, ok := ts.cols.byName(o.Column); !ok {
			return errorf(CodeUndefinedColumn, "column %q of relation %q does not exist", o.Column, o.Table)
		}
	}
	s := &sequence{name: name, def: def, last: def.Start}
	db.seqs.mu.Lock()
	defer db.seqs.mu.Unlock()
	if err := db.giveOIDs([]*uint32{&s.oid}); err != nil {
		return err
	}
	if err := db.writeSequence(s, s.last, s.called); err != nil {
		return storageError(err)
	}
	db.seqs.m[name] = s
	return nil
}

// relationExists reports whether a table, an index, a sequence or a view
// is called name. Callers hold wmu.
func (db *DB) relationExists(name string) bool { return db.relationKind(name) != "" }

// DropSequence drops a sequence. A missing one fails with 42P01, or does
// nothing with ifExists; a table of that name fails with 42809.
func (db *DB) DropSequence(name string, ifExists bool) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	db.seqs.mu.Lock()
	defer db.seqs.mu.Unlock()
	s, ok := db.seqs.m[name]
	if !ok {
		if _, isTable := db.work[name]; isTable {
			return errorf(CodeWrongObjectType, "%q is not a sequence", name)
		}
		if _, isView := db.views.get(name); isView {
			return wrongType(name, "sequence", "view")
		}
		if ifExists {
			return nil
		}
		return wrapf(CodeUndefinedTable, ErrNoSequence, "sequence %q does not exist", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := db.removeSequenceFile(s); err != nil {
		return storageError(err)
	}
	s.dropped = true
	delete(db.seqs.m, name)
	return nil
}

// Nextval advances a sequence and returns its new value, as PostgreSQL's
// nextval. It is not transactional: the value is taken whatever becomes
// of the transaction that asked for it. A value it returned is never
// returned again after a crash (unless the sequence cycles): before
// handing out a value not yet covered by the sequence's file, it writes
// the file, with fsync, seqLogVals values ahead.
func (db *DB) Nextval(name string) (int64, error) {
	return db.nextOf(func() (*sequence, error) {
		if s, ok := db.seqs.get(name); ok {
			return s, nil
		}
		return nil, noSequence(name)
	})
}

// nextOf is Nextval of the sequence get finds; get is called again when
// the sequence it found was dropped meanwhile.
func (db *DB) nextOf(get func() (*sequence, error)) (int64, error) {
	if db.opts.ReadOnly {
		return 0, wrapf(CodeReadOnly, ErrReadOnly, "database is open read-only (another process holds the writer lock)")
	}
	for {
		s, err := get()
		if err != nil {
			return 0, err
		}
		v, done, err := s.nextFromMemory()
		if done || err != nil {
			return v, err
		}
		// The file must be written: check the database takes writes
		// (a failed one may resume) without holding the sequence.
		var werr error
		db.locked(func() { werr = db.writable() })
		if werr != nil {
			return 0, werr
		}
		v, done, err = db.nextLogged(s)
		if done || err != nil {
			return v, err
		}
	}
}

// nextFromMemory hands out the next value if the file covers it; done is
// false when the file must be written first, or the sequence was dropped.
func (s *sequence) nextFromMemory() (v int64, done bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped {
		return 0, false, nil
	}
	if s.logCnt == 0 {
		return 0, false, nil
	}
	if v, err = s.next(); err != nil {
		return 0, true, err
	}
	s.last, s.called = v, true
	s.logCnt--
	return v, true, nil
}

// nextLogged writes the sequence's file seqLogVals values ahead (or its
// own logVals) and hands out the next value. done is false when the
// sequence was dropped meanwhile: the caller looks it up again.
func (db *DB) nextLogged(s *sequence) (v int64, done bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped {
		return 0, false, nil
	}
	if s.logCnt > 0 { // another caller wrote it meanwhile
		v, err = s.next()
		if err == nil {
			s.last, s.called = v, true
			s.logCnt--
		}
		return v, true, err
	}
	if v, err = s.next(); err != nil {
		return 0, true, err
	}
	ahead := seqLogVals
	if s.logVals > 0 {
		ahead = s.logVals
	}
	upTo, n := s.def.ahead(v, ahead)
	if err := db.writeSequence(s, upTo, true); err != nil {
		return 0, true, storageError(err)
	}
	s.last, s.called = v, true
	s.logCnt = n - 1
	return v, true, nil
}

// Setval sets a sequence's value, as PostgreSQL's setval: with isCalled
// the next Nextval returns the value after value, else value itself. A
// value outside the sequence's bounds fails with 22003. The change is
// durable when Setval returns, and like Nextval not transactional.
func (db *DB) Setval(name string, value int64, isCalled bool) (int64, error) {
	db.wmu.Lock()
	if err := db.writable(); err != nil {
		db.wmu.Unlock()
		return 0, err
	}
	db.wmu.Unlock()
	s, ok := db.seqs.get(name)
	if !ok {
		return 0, noSequence(name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped {
		return 0, noSequence(name)
	}
	if value < s.def.Min || value > s.def.Max {
		return 0, errorf(CodeNumericRange, "setval: value %d is out of bounds for sequence %q (%d..%d)", value, name, s.def.Min, s.def.Max)
	}
	if err := db.writeSequence(s, value, isCalled); err != nil {
		return 0, storageError(err)
	}
	s.last, s.called, s.logCnt = value, isCalled, 0
	return value, nil
}

// SequenceInfo describes the sequence name; a missing one fails with
// 42P01.
func (db *DB) SequenceInfo(name string) (SequenceInfo, error) {
	s, ok := db.seqs.get(name)
	if !ok {
		return SequenceInfo{}, noSequence(name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped {
		return SequenceInfo{}, noSequence(name)
	}
	return s.info(), nil
}

// Sequences describes every sequence, sorted by name.
func (db *DB) Sequences() []SequenceInfo {
	db.seqs.mu.RLock()
	all := make([]*sequence, 0, len(db.seqs.m))
	for _, s := range db.seqs.m {
		all = append(all, s)
	}
	db.seqs.mu.RUnlock()
	out := make([]SequenceInfo, 0, len(all))
	for _, s := range all {
		s.mu.Lock()
		if !s.dropped {
			out = append(out, s.info())
		}
		s.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SetSequenceOwner makes a column own a sequence, or with the zero owner
// no column (ALTER SEQUENCE OWNED BY). The file moves to its owner's
// directory: the new copy is written before the old one is removed, and
// a crash in between leaves both, of which the owned one is taken when
// the database opens. A move from one table to another goes through no
// owner, so a crash may leave the sequence owned by none.
func (db *DB) SetSequenceOwner(name string, owner SequenceOwner) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	if owner != (SequenceOwner{}) {
		ts, ok := db.work[owner.Table]
		if !ok {
			return noTable(owner.Table)
		}
		if _, ok := ts.cols.byName(owner.Column); !ok {
			return errorf(CodeUndefinedColumn, "column %q of relation %q does not exist", owner.Column, owner.Table)
		}
	}
	db.seqs.mu.Lock()
	defer db.seqs.mu.Unlock()
	s, ok := db.seqs.m[name]
	if !ok {
		return noSequence(name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	from := s.def.OwnedBy.Table
	if from != "" && owner.Table != "" && from != owner.Table {
		if err := db.moveSequence(s, SequenceOwner{}); err != nil {
			return err
		}
	}
	return db.moveSequence(s, owner)
}

// moveSequence writes s's file for its new owner, with its exact state,
// and removes the old file if it was elsewhere. Callers hold s.mu.
func (db *DB) moveSequence(s *sequence, owner SequenceOwner) error {
	oldPath := db.seqPath(s)
	was := s.def.OwnedBy
	s.def.OwnedBy = owner
	if err := db.writeSequence(s, s.last, s.called); err != nil {
		s.def.OwnedBy = was
		return storageError(err)
	}
	s.logCnt = 0
	if was.Table == owner.Table {
		return nil
	}
	if err := removeDurably(db.st.FS(), oldPath); err != nil {
		return storageError(err)
	}
	return nil
}

// ownerColumnChanged follows a column that owns sequences: renamed (to
// new), the sequences name it; dropped (new ""), they are dropped, as
// PostgreSQL drops them with the column. It runs after the column's
// change: a crash in between leaves the sequences as they were, owned by
// a name the table no longer has, and dropped with the table.
func (db *DB) ownerColumnChanged(table, column, new string) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	db.seqs.mu.Lock()
	defer db.seqs.mu.Unlock()
	for _, s := range db.seqs.owned(table) {
		if err := db.followColumn(s, column, new); err != nil {
			return err
		}
	}
	return nil
}

// followColumn renames or drops s if column owns it. Callers hold wmu
// and seqs.mu.
func (db *DB) followColumn(s *sequence, column, new string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.def.OwnedBy.Column != column {
		return nil
	}
	if new == "" {
		if err := db.removeSequenceFile(s); err != nil {
			return storageError(err)
		}
		s.dropped = true
		delete(db.seqs.m, s.name)
		return nil
	}
	return db.moveSequence(s, SequenceOwner{Table: s.def.OwnedBy.Table, Column: new})
}

// AlterSequence gives a sequence new options, as ALTER SEQUENCE does: o
// is complete (the caller merged the options named with the sequence's
// own); with restart, the next Nextval returns *restart. The owner stays
// (SetSequenceOwner changes it). Like Setval, the change is durable when
// AlterSequence returns and is not transactional.
func (db *DB) AlterSequence(name string, o SequenceOptions, restart *int64) error {
	def, err := o.resolve()
	if err != nil {
		return err
	}
	if restart != nil && *restart < def.Min {
		return errorf(CodeInvalidParameter, "RESTART value (%d) cannot be less than MINVALUE (%d)", *restart, def.Min)
	}
	if restart != nil && *restart > def.Max {
		return errorf(CodeInvalidParameter, "RESTART value (%d) cannot be greater than MAXVALUE (%d)", *restart, def.Max)
	}
	return db.changeSequence(name, func(s *sequence) error {
		def.OwnedBy, def.Comment = s.def.OwnedBy, s.def.Comment
		last, called := s.last, s.called
		if restart != nil {
			last, called = *restart, false
		}
		old := s.def
		s.def = def
		if err := db.writeSequence(s, last, called); err != nil {
			s.def = old
			return storageError(err)
		}
		s.last, s.called, s.logCnt = last, called, 0
		return nil
	})
}

// changeSequence runs change on a sequence of a writable database, with
// wmu and the sequence's mutex held.
func (db *DB) changeSequence(name string, change func(*sequence) error) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	if err := db.writable(); err != nil {
		return err
	}
	s, ok := db.seqs.get(name)
	if !ok {
		return noSequence(name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped {
		return noSequence(name)
	}
	return change(s)
}

// SequenceTypeRange returns the bounds of a sequence's data type.
func SequenceTypeRange(typ string) (lo, hi int64, err error) {
	_, lo, hi, err = seqTypeRange(typ)
	return lo, hi, err
}
