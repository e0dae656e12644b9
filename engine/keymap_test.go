package engine

import (
	"fmt"
	"maps"
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
		got := map[Key]int{}
		for k, v := range m.all() {
			if _, dup := got[k]; dup {
				t.Fatalf("%s: key %v yielded twice", what, k)
			}
			got[k] = v
		}
		if !maps.Equal(got, want) || m.len() != len(want) {
			t.Fatalf("%s: got %v (len %d), want %v", what, got, m.len(), want)
		}
		for k, w := range want {
			if v, ok := m.get(k); !ok || v != w {
				t.Fatalf("%s: get(%v) = %d, %v; want %d", what, k, v, ok, w)
			}
		}
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
