package exec

import (
	"container/list"
	"sync"

	"github.com/driftdb/driftdb/driftql"
)

// StmtCache keeps parsed statements by their text with constants lifted
// out (driftql.AppendLifted), so that queries differing only in constants
// parse once. Parsed statements are never changed after parsing, so
// sessions share them. It is safe for concurrent use.
type StmtCache struct {
	mu    sync.Mutex
	cap   int
	bytes int        // statement text held; parsed forms grow with it
	ll    *list.List // front: most recently used
	m     map[string]*list.Element
}

type cacheEntry struct {
	key   string
	stmts []*driftql.Statement
}

// maxCachedText bounds the statement texts the cache keeps (long multi-row
// INSERTs of one shape, as bulk loaders send them, fit), and maxCacheBytes
// the text of all of them together.
const (
	maxCachedText = 128 << 10
	maxCacheBytes = 4 << 20
)

// NewStmtCache returns a cache of at most n statement texts.
func NewStmtCache(n int) *StmtCache {
	return &StmtCache{cap: n, ll: list.New(), m: map[string]*list.Element{}}
}

func (c *StmtCache) get(key []byte) ([]*driftql.Statement, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[string(key)] // no copy of key for the lookup
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(e)
	return e.Value.(*cacheEntry).stmts, true
}

func (c *StmtCache) put(key string, stmts []*driftql.Statement) {
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

// ParseSimple parses a query of the simple protocol, whose constants are
// written into its text. With a cache, the constants after comparison
// operators are lifted into parameters and the parsed form of the rest is
// reused; the constants come back as the parameters to execute the
// statements with. Without one it is Parse.
func (s *Session) ParseSimple(sql string) ([]*Stmt, []any, error) {
	c := s.opts.Cache
	if c == nil || len(sql) > maxCachedText {
		st, err := s.Parse(sql)
		return st, nil, err
	}
	norm, lits, ok := driftql.AppendLifted(s.liftBuf[:0], s.liftLits[:0], sql)
	s.liftBuf, s.liftLits = norm, lits
	if !ok {
		st, err := s.Parse(sql)
		return st, nil, err
	}
	asts, hit := c.get(norm)
	if !hit {
		var err error
		if asts, err = driftql.Parse(string(norm)); err != nil {
			// The lifted form does not parse (a constant where the grammar
			// wants a literal): parse the text as written, for its error
			// positions too.
			st, err := s.Parse(sql)
			return st, nil, err
		}
		c.put(string(norm), asts)
	}
	params := make([]any, len(lits))
	for i, l := range lits {
		if !l.Number {
			params[i] = l.Text
			continue
		}
		n, err := literalNumber(l.Text) // typed as the literal in place would be
		if err != nil {
			st, err := s.Parse(sql)
			return st, nil, err
		}
		params[i] = n
	}
	return s.simpleStmts(asts), params, nil
}

// simpleStmts returns the session's statements for cached parses, made
// the first time. The caller must not change the slice.
func (s *Session) simpleStmts(asts []*driftql.Statement) []*Stmt {
	if len(asts) == 0 {
		return nil
	}
	if out, ok := s.simple[asts[0]]; ok {
		return out
	}
	out := make([]*Stmt, len(asts))
	for i, a := range asts {
		out[i] = &Stmt{s: s, ast: a}
	}
	if s.simple == nil || len(s.simple) >= maxSimpleStmts {
		s.simple = make(map[*driftql.Statement][]*Stmt)
	}
	s.simple[asts[0]] = out
	return out
}
