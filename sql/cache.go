package sql

import (
	"container/list"
	"strconv"
	"sync"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/parser"
	"github.com/driftdb/driftdb/sql/types"
)

// StmtCache keeps parsed statements of the simple protocol by their text
// with constants lifted out (parser.Lift), so that queries that differ only
// in constants parse and plan once. It is safe for concurrent use.
type StmtCache struct {
	mu    sync.Mutex
	cap   int
	bytes int
	ll    *list.List // front: most recently used
	m     map[string]*list.Element
}

// NewStmtCache returns a cache of at most n statement texts.
func NewStmtCache(n int) *StmtCache {
	return &StmtCache{cap: n, ll: list.New(), m: map[string]*list.Element{}}
}

type cacheEntry struct {
	key   string
	stmts []*parser.Statement
}

// maxCachedText bounds the statement texts the cache keeps (long multi-row
// INSERTs of one shape, as bulk loaders send them, fit), and maxCacheBytes
// the text of all of them together.
const (
	maxCachedText = 128 << 10
	maxCacheBytes = 4 << 20
)

func (c *StmtCache) get(key []byte) ([]*parser.Statement, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[string(key)] // no copy of key for the lookup
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(e)
	return e.Value.(*cacheEntry).stmts, true
}

func (c *StmtCache) put(key string, stmts []*parser.Statement) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; ok {
		return
	}
	c.m[key] = c.ll.PushFront(&cacheEntry{key: key, stmts: stmts})
	c.bytes += len(key)
	for c.ll.Len() > c.cap || c.bytes > maxCacheBytes {
		old := c.ll.Back()
		c.ll.Remove(old)
		k := old.Value.(*cacheEntry).key
		delete(c.m, k)
		c.bytes -= len(k)
	}
}

// ParseSimple parses a query of the simple protocol. It returns the
// statements and the parameters to run them with: where the text has
// constants that Lift takes out, the statement is the one parsed (and,
// within the session, bound) for the lifted text, and the parameters are
// the constants. A lifted statement that fails to bind is parsed again
// from its own text, so that errors read as they would without the cache.
func (s *Session) ParseSimple(text string) ([]*Stmt, []types.Datum, error) {
	c := s.opts.Cache
	if c == nil || len(text) > maxCachedText {
		st, err := s.Parse(text)
		return st, nil, err
	}
	l, ok := parser.Lift(text)
	if !ok {
		st, err := s.Parse(text)
		return st, nil, err
	}
	params := make([]types.Datum, len(l.Values))
	sig := make([]byte, 0, len(l.Text)+1+len(l.Kinds))
	sig = append(append(append(sig, l.Text...), 0), make([]byte, len(l.Kinds))...)
	for i, v := range l.Values {
		params[i] = v
		if k := l.Kinds[i]; k == parser.LitInt4 || k == parser.LitInt8 {
			// An integer, so that DriftQL's KEY 1 finds the key 1.
			params[i], _ = strconv.ParseInt(v, 10, 64)
		}
		sig[len(l.Text)+1+i] = byte('0' + l.Kinds[i])
	}
	if st, ok := s.simple[string(sig)]; ok {
		st.orig = text
		return []*Stmt{st}, params, nil
	}
	ps, ok := c.get([]byte(l.Text))
	if !ok {
		var err error
		if ps, err = parser.Parse(l.Text); err != nil || len(ps) != 1 || !liftable(ps[0]) {
			// An error, more than one statement, or one that keeps its
			// constants (a CHECK of CREATE TABLE): the text as sent.
			st, err := s.Parse(text)
			return st, nil, err
		}
		c.put(l.Text, ps)
	}
	given := make([]*types.T, len(l.Kinds))
	for i, k := range l.Kinds {
		given[i] = litTypes[k]
	}
	st := &Stmt{s: s, p: ps[0], given: given, orig: text}
	if len(s.simple) >= maxSessionPlans {
		clear(s.simple)
	}
	if s.simple == nil {
		s.simple = map[string]*Stmt{}
	}
	s.simple[string(sig)] = st
	return []*Stmt{st}, params, nil
}

// maxSessionPlans bounds the lifted statements a session keeps bound.
const maxSessionPlans = 256

// litTypes are the types of lifted constants, by kind.
var litTypes = [...]*types.T{
	parser.LitUnknown: types.Unknown,
	parser.LitInt4:    types.Int4,
	parser.LitInt8:    types.Int8,
	parser.LitNumeric: types.Numeric,
}

// liftable reports whether a statement may run with its constants as
// parameters: a query, a write, or a DriftQL statement.
func liftable(p *parser.Statement) bool {
	if p.DriftQL != nil {
		return true
	}
	switch p.Stmt.Node.(type) {
	case *pg.Node_SelectStmt:
		return !isSelectInto(p.Stmt) // a table's definition keeps its constants
	case *pg.Node_InsertStmt, *pg.Node_UpdateStmt, *pg.Node_DeleteStmt:
		return true
	}
	return false
}
