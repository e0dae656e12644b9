package builtins

import "testing"

// TestProcCatalog checks the registry's pg_proc and pg_operator rows:
// OIDs are unique, a function PostgreSQL has keeps its OID, and every
// function's regprocedure output (and every operator's regoperator
// output) reads back as the same one.
func TestProcCatalog(t *testing.T) {
	seen := map[uint32]string{}
	for _, p := range Procs() {
		sig, ok := RegprocedureName(p.Oid)
		if !ok {
			t.Fatalf("%s: no regprocedure output", p.key())
		}
		if other, dup := seen[p.Oid]; dup {
			t.Errorf("OID %d: %s and %s", p.Oid, other, sig)
		}
		seen[p.Oid] = sig
		if pg, ok := pgProcs[p.key()]; ok && pg.oid != p.Oid {
			t.Errorf("%s: OID %d, PostgreSQL's is %d", sig, p.Oid, pg.oid)
		}
		back, err := LookupRegprocedure(sig)
		if err != nil || back != p.Oid {
			t.Errorf("%s: reads back as %d, %v; want %d", sig, back, err, p.Oid)
		}
	}
	ops := map[uint32]bool{}
	for _, op := range Opers() {
		if ops[op.Oid] {
			t.Errorf("operator OID %d twice", op.Oid)
		}
		ops[op.Oid] = true
		if _, ok := RegoperName(op.Oid); !ok {
			t.Errorf("%s: no regoper output", op.key())
		}
		sig, _ := RegoperatorName(op.Oid)
		if back, err := LookupRegoperator(sig); err != nil || back != op.Oid {
			t.Errorf("%s: reads back as %d, %v; want %d", sig, back, err, op.Oid)
		}
	}
	if len(Procs()) < 400 || len(Opers()) < 300 {
		t.Errorf("%d functions and %d operators: the registry has more", len(Procs()), len(Opers()))
	}
}
