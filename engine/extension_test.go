package engine

import (
	"fmt"
	"testing"
)

// TestExtensionsKept: the extensions CREATE EXTENSION gave are in
// extensions.json, with OIDs of their own, after a reopen; a second create
// is 42710, a drop of a missing one 42704.
func TestExtensionsKept(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, Options{})
	if err := db.CreateExtension("uuid-ossp", "1.1"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateExtension("pgcrypto", "1.3"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateExtension("pgcrypto", "1.3"); Code(err) != CodeDuplicateObject {
		t.Fatalf("a second create: %v", err)
	}
	before := db.Extensions()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openDB(t, dir, Options{})
	after := db.Extensions()
	if fmt.Sprint(after) != fmt.Sprint(before) || len(after) != 2 || after[0].Name != "pgcrypto" ||
		after[0].OID < FirstOID || after[0].OID == after[1].OID {
		t.Fatalf("after a reopen %v, before %v", after, before)
	}
	if err := db.DropExtension("pgcrypto"); err != nil {
		t.Fatal(err)
	}
	if err := db.DropExtension("pgcrypto"); Code(err) != CodeUndefinedObject {
		t.Fatalf("a second drop: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openDB(t, dir, Options{})
	defer db.Close()
	if l := db.Extensions(); len(l) != 1 || l[0].Name != "uuid-ossp" {
		t.Fatalf("after the drop and a reopen: %v", l)
	}
}
