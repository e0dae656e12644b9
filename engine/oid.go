package engine

import (
	"encoding/json"
	"errors"
	"hash/fnv"
	"io/fs"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/driftdb/driftdb/store"
	"github.com/driftdb/driftdb/store/vfs"
)

// Object identifiers.
//
// Every table, index, sequence and view, and every constraint a table's
// definition holds (its primary key, a unique index's constraint, a
// CHECK), has an OID, as PostgreSQL's objects do: given when the object is
// made, stored with its definition, kept for its life (a rename changes
// its name, not its OID), never given to another object, even after a
// drop. OIDs come from one counter for the whole database, starting at
// FirstOID (PostgreSQL's FirstNormalObjectId), kept in <data>/oids.json.
// The counter is written before the definitions that use its OIDs, so a
// crash may leave a gap but never gives an OID twice.
//
// A data directory written before OIDs were stored has definitions
// without them. When the database opens, each of those objects gets the
// OID the SQL layer used to derive from its name (legacyOIDs), so that a
// client sees the same OIDs as before, and keeps it from then on.

// FirstOID is the first OID the database gives out.
const FirstOID = 16384

// oidsFile is the OID counter's file in the data directory.
const oidsFile = "oids.json"

// oidsState is the content of oids.json. Next is the lowest OID never
// given out; Taken lists the OIDs at or above it that are taken anyway
// (given to objects of an older data directory, whose OIDs were derived
// from names), sorted. A missing file is {"next": FirstOID}.
type oidsState struct {
	Next  uint32   `json:"next"`
	Taken []uint32 `json:"taken,omitempty"`
}

// oidCounter gives out OIDs. Callers hold DB.wmu (or are opening the
// database).
type oidCounter struct {
	next  uint32
	taken map[uint32]bool // at or above next
}

// alloc returns the next free OID.
func (c *oidCounter) alloc() (uint32, error) {
	for c.taken[c.next] {
		delete(c.taken, c.next)
		c.next++
	}
	if c.next == math.MaxUint32 {
		return 0, errorf(CodeProgramLimitReached, "out of OIDs")
	}
	o := c.next
	c.next++
	return o, nil
}

func (c *oidCounter) state() oidsState {
	s := oidsState{Next: c.next}
	for o := range c.taken {
		if o >= c.next {
			s.Taken = append(s.Taken, o)
		}
	}
	slices.Sort(s.Taken)
	return s
}

func (c *oidCounter) restore(s oidsState) {
	c.next, c.taken = s.Next, map[uint32]bool{}
	for _, o := range s.Taken {
		c.taken[o] = true
	}
}

// readOIDs reads oids.json.
func (db *DB) readOIDs() (oidsState, error) {
	path := filepath.Join(db.dir, oidsFile)
	b, err := vfs.ReadFile(db.st.FS(), path)
	if errors.Is(err, fs.ErrNotExist) {
		return oidsState{Next: FirstOID}, nil
	}
	if err != nil {
		return oidsState{}, storageError(err)
	}
	var s oidsState
	if err := json.Unmarshal(b, &s); err != nil {
		return oidsState{}, errorf(CodeInternal, "engine: parse %s: %v", path, err)
	}
	s.Next = max(s.Next, FirstOID)
	return s, nil
}

// writeOIDs replaces oids.json with the counter's state, atomically.
func (db *DB) writeOIDs() error {
	b, err := json.Marshal(db.oids.state())
	if err != nil {
		return err
	}
	return store.WriteFileAtomic(db.st.FS(), filepath.Join(db.dir, oidsFile), b)
}

// giveOIDs sets every zero OID of slots to a new OID, and makes the
// counter durable before it returns, so that the caller may then write
// the definitions that hold them. On an error no slot is changed.
// Callers hold wmu.
func (db *DB) giveOIDs(slots []*uint32) error {
	saved := db.oids.state()
	var given []*uint32
	for _, p := range slots {
		if *p != 0 {
			continue
		}
		o, err := db.oids.alloc()
		if err != nil {
			db.undoOIDs(saved, given)
			return err
		}
		*p = o
		given = append(given, p)
	}
	if len(given) == 0 {
		return nil
	}
	if err := db.writeOIDs(); err != nil {
		db.undoOIDs(saved, given)
		return storageError(err)
	}
	return nil
}

func (db *DB) undoOIDs(saved oidsState, given []*uint32) {
	db.oids.restore(saved)
	for _, p := range given {
		*p = 0
	}
}

// oidSlot is an OID of a definition, with the name the SQL layer derived
// an OID from before OIDs were stored: a relation's name, or
// <table>.<constraint> for a constraint.
type oidSlot struct {
	oid        *uint32
	key        string
	constraint bool
	// noLegacy: the SQL layer gave this object no OID (a unique index
	// whose name does not look like a constraint's had no constraint).
	noLegacy bool
	// attrdef: a column's default, whose OID the SQL layer took from the
	// hash of <table>.<column> alone, without looking at other OIDs.
	attrdef bool
}

// oidSlots returns the OIDs of a table's definition: the table's, its
// primary key's index (if it has a primary key), its named and plain
// indexes', then its constraints', then its columns' defaults'. The spec
// must be validated (IndexOIDs lists its plain indexes).
func (s *TableSpec) oidSlots() []oidSlot {
	// A table without a primary key (RowID) has no key index or
	// constraint, nor their OIDs.
	out := []oidSlot{{oid: &s.OID, key: s.Name}}
	if !s.RowID {
		out = append(out, oidSlot{oid: &s.PKIndexOID, key: s.Name + "_pkey"})
	}
	for i := range s.IndexDefs {
		d := &s.IndexDefs[i]
		out = append(out, oidSlot{oid: &d.OID, key: d.Name})
	}
	for i := range s.IndexOIDs {
		f := &s.IndexOIDs[i]
		out = append(out, oidSlot{oid: &f.OID, key: defaultIndexName(s.Name, []string{f.Field}, false)})
	}
	if !s.RowID {
		out = append(out, oidSlot{oid: &s.PKConstraintOID, key: s.Name + "." + s.Name + "_pkey", constraint: true})
	}
	for i := range s.IndexDefs {
		d := &s.IndexDefs[i]
		if d.Unique {
			out = append(out, oidSlot{oid: &d.ConstraintOID, key: s.Name + "." + d.Name, constraint: true,
				noLegacy: !strings.HasSuffix(d.Name, "_key")})
		}
	}
	for i := range s.Checks {
		c := &s.Checks[i]
		out = append(out, oidSlot{oid: &c.OID, key: s.Name + "." + c.Name, constraint: true})
	}
	for i := range s.Columns {
		c := &s.Columns[i]
		if c.Default != "" {
			out = append(out, oidSlot{oid: &c.DefaultOID, key: s.Name + "." + c.Name, attrdef: true})
		}
	}
	return out
}

// oids returns the addresses of the spec's OIDs.
func (s *TableSpec) oids() []*uint32 {
	var out []*uint32
	for _, sl := range s.oidSlots() {
		out = append(out, sl.oid)
	}
	return out
}

// clearOIDs sets every OID of the spec to zero (a definition a caller
// gives gets new OIDs).
func (s *TableSpec) clearOIDs() {
	for _, p := range s.oids() {
		*p = 0
	}
}

// syncIndexOIDs makes IndexOIDs list the plain indexes (the fields of
// Indexes no IndexDef starts with), in that order, keeping the OIDs of
// those it listed; an index no longer there loses its OID for good. It
// always makes a new slice: the old one may be shared with the
// definition being replaced.
func (s *TableSpec) syncIndexOIDs() {
	var out []FieldOID
	for _, f := range s.Indexes {
		if slices.ContainsFunc(s.IndexDefs, func(d IndexSpec) bool { return d.Fields[0] == f }) {
			continue
		}
		fo := FieldOID{Field: f}
		if i := slices.IndexFunc(s.IndexOIDs, func(x FieldOID) bool { return x.Field == f }); i >= 0 {
			fo.OID = s.IndexOIDs[i].OID
		}
		out = append(out, fo)
	}
	s.IndexOIDs = out
}

// plainIndexOID is the OID of the plain index on field.
func (s *TableSpec) plainIndexOID(field string) uint32 {
	for _, f := range s.IndexOIDs {
		if f.Field == field {
			return f.OID
		}
	}
	return 0
}

// Legacy OIDs: before OIDs were stored, the SQL layer derived each
// relation's OID from its name: the FNV-1a hash of the name, taken into
// [FirstOID, 2^31), or on a collision the next free one, the names taken
// in sorted order; then each constraint's likewise from
// <table>.<constraint>, past the relations' OIDs; and each column
// default's from the hash of <table>.<column> alone.
const legacyOIDLimit = 1 << 31

func legacyHash(name string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return uint32(FirstOID + int64(h.Sum32())%(legacyOIDLimit-FirstOID))
}

// legacyOIDs gives each slot of slots (all zero) the OID the names
// scheme gives it, avoiding the OIDs of used, which it adds them to.
func legacyOIDs(slots []oidSlot, used map[uint32]bool) {
	sort.Slice(slots, func(i, j int) bool { return slots[i].key < slots[j].key })
	for _, s := range slots {
		o := legacyHash(s.key)
		for used[o] {
			if o++; o >= legacyOIDLimit {
				o = FirstOID
			}
		}
		used[o] = true
		*s.oid = o
	}
}

// openOIDs loads the OID counter when the database opens, and gives an
// OID to every object of state that has none (a data directory written
// before OIDs were stored): the legacy OID where there was one, else a
// new one. The counter is written, then each definition that changed
// (unless read-only: the same OIDs are derived again at each open until
// a writer stores them).
func (db *DB) openOIDs(state *dbState) error {
	s, err := db.readOIDs()
	if err != nil {
		return err
	}
	db.oids.restore(s)
	// The legacy OIDs avoid those the objects hold, as the names scheme
	// did; the counter's taken ones are (after a crash in the middle of
	// storing them) the same legacy OIDs again.
	used := map[uint32]bool{}
	var rels, cons, defaults, fresh []oidSlot
	var tables []string
	add := func(sl oidSlot) bool {
		if o := *sl.oid; o != 0 {
			if !sl.noLegacy && !sl.attrdef {
				used[o] = true
			}
			if o >= db.oids.next {
				db.oids.taken[o] = true
			}
			return false
		}
		switch {
		case sl.noLegacy:
			fresh = append(fresh, sl)
		case sl.attrdef:
			defaults = append(defaults, sl)
		case sl.constraint:
			cons = append(cons, sl)
		default:
			rels = append(rels, sl)
		}
		return true
	}
	for _, name := range sortedNames(state.tables) {
		spec := state.tables[name].spec
		spec.syncIndexOIDs()
		changed := false
		for _, sl := range spec.oidSlots() {
			changed = add(sl) || changed
		}
		if changed {
			tables = append(tables, name)
		}
	}
	var seqs []*sequence
	for _, name := range sortedNames(db.seqs.m) {
		sq := db.seqs.m[name]
		if add(oidSlot{oid: &sq.oid, key: name}) {
			seqs = append(seqs, sq)
		}
	}
	var views []*ViewDef
	for _, name := range sortedNames(db.views.m) {
		d := db.views.m[name]
		if add(oidSlot{oid: &d.OID, key: name}) {
			views = append(views, d)
		}
	}
	if len(rels)+len(cons)+len(defaults)+len(fresh) == 0 {
		return nil
	}
	legacyOIDs(rels, used)
	legacyOIDs(cons, used)
	for _, sl := range defaults {
		*sl.oid = legacyHash(sl.key)
	}
	for _, sl := range slices.Concat(rels, cons, defaults) {
		if *sl.oid >= db.oids.next {
			db.oids.taken[*sl.oid] = true
		}
	}
	for _, sl := range fresh {
		if *sl.oid, err = db.oids.alloc(); err != nil {
			return err
		}
	}
	if db.opts.ReadOnly {
		return nil
	}
	db.log.Info("storing the OIDs of objects made before OIDs were stored", "tables", len(tables), "sequences", len(seqs), "views", len(views))
	if err := db.writeOIDs(); err != nil {
		return storageError(err)
	}
	for _, name := range tables {
		if err := writeSchema(db.st.FS(), db.st.StreamDir(name), state.tables[name].spec); err != nil {
			return storageError(err)
		}
	}
	for _, sq := range seqs {
		if err := db.writeSequence(sq, sq.last, sq.called); err != nil {
			return storageError(err)
		}
	}
	for _, d := range views {
		if err := db.writeView(d); err != nil {
			return storageError(err)
		}
	}
	return nil
}

func sortedNames[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
