package engine

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
)

// TestKeyMap runs a keyMap against a map keyed by Key through sets,
// deletes, sets of deleted keys, changes made while iterating and a
// clone, keys of both kinds, and the empty string and zero among them,
// over several blocks of values.
func TestKeyMap(t *testing.T) {
	var m keyMap[int]
	want := map[Key]int{}
	same := func(what string) {
		t.Helper()
		checkKeyMap(t, what, &m, want)
	}
	keys := []Key{{Int: 0, IsInt: true}, {Str: ""}, {Int: -5, IsInt: true}, {Str: "5"}, {Int: 5, IsInt: true}}
	for i := range 1500 { // past keyBlock: values in three blocks
		keys = append(keys, Key{Int: int64(1000 + i*7), IsInt: true}, Key{Str: fmt.Sprint("k", i)})
	}
	for i, k := range keys {
		m.set(k, i)
		want[k] = i
	}
	same("after sets")
	if _, ok := m.get(Key{Str: "0"}); ok {
		t.Fatal(`the string key "0" found as the int 0`)
	}
	for i, k := range keys {
		if i%3 == 0 {
			m.del(k)
			delete(want, k)
		}
	}
	m.del(Key{Str: "absent"})
	same("after deletes")
	c := m.clone()
	for k := range m.all() {
		if k.IsInt {
			m.set(k, -1)
			want[k] = -1
		} else {
			m.del(k)
			delete(want, k)
		}
	}
	same("after changes while iterating")
	for i, k := range keys {
		if i%3 == 0 {
			m.set(k, 100+i)
			want[k] = 100 + i
		}
	}
	same("after sets of deleted keys")
	m = c
	want = map[Key]int{}
	for i, k := range keys {
		if i%3 != 0 {
			want[k] = i
		}
	}
	same("the clone")
}

// TestKeyMapRun runs a keyMap against a map keyed by Key through sets of
// integer keys mostly in increasing order (a run, as serial keys come),
// with others below and among them, deletes, and sets again of deleted
// keys, checking every key ever set after each step.
func TestKeyMapRun(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var m keyMap[int]
	want := map[Key]int{}
	var seen []Key
	next := int64(0)
	for step := range 20_000 {
		var k Key
		switch x := r.IntN(10); {
		case x < 6: // the next serial key
			next += int64(1 + r.IntN(3))
			k = Key{Int: next, IsInt: true}
		case x < 8 && len(seen) > 0: // one set before
			k = seen[r.IntN(len(seen))]
		default: // anywhere, below the run or among it
			k = Key{Int: int64(r.IntN(int(next)+20)) - 10, IsInt: true}
		}
		if r.IntN(4) == 0 {
			m.del(k)
			delete(want, k)
		} else {
			m.set(k, step)
			want[k] = step
			seen = append(seen, k)
		}
		if step%500 != 0 {
			continue
		}
		checkKeyMap(t, fmt.Sprint("step ", step), &m, want)
		for _, k := range seen {
			if _, ok := want[k]; !ok {
				if v, ok := m.get(k); ok {
					t.Fatalf("step %d: get(%v) = %d of a key deleted", step, k.Int, v)
				}
			}
		}
	}
	if len(m.run) < 5_000 || len(m.ints) == 0 {
		t.Fatalf("%d keys in the run and %d in the map: the test did not take both ways", len(m.run), len(m.ints))
	}
}

// checkKeyMap fails unless m holds want: every key yielded once, its
// length, and each key's value.
func checkKeyMap(t *testing.T, what string, m *keyMap[int], want map[Key]int) {
	t.Helper()
	got := map[Key]int{}
	for k, v := range m.all() {
		if _, dup := got[k]; dup {
			t.Fatalf("%s: key %v yielded twice", what, k)
		}
		got[k] = v
	}
	if !maps.Equal(got, want) || m.len() != len(want) {
		t.Fatalf("%s: %d keys (len %d), want %d", what, len(got), m.len(), len(want))
	}
	for k, w := range want {
		if v, ok := m.get(k); !ok || v != w {
			t.Fatalf("%s: get(%v) = %d, %v; want %d", what, k, v, ok, w)
		}
	}
}
