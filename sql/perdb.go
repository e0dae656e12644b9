package sql

import (
	"sync"

	"github.com/driftdb/driftdb/engine"
)

// perDB keeps one T for each database the process's sessions use (the
// advisory locks, the listeners), made by newT when first asked for.
type perDB[T any] struct {
	mu   sync.Mutex
	m    map[*engine.DB]*T
	newT func() *T
}

func (p *perDB[T]) of(db *engine.DB) *T {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[*engine.DB]*T{}
	}
	v := p.m[db]
	if v == nil {
		v = p.newT()
		p.m[db] = v
	}
	return v
}
