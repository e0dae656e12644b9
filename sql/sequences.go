package sql

import (
	"errors"
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/engine"
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// Sequences: CREATE / DROP SEQUENCE, nextval, currval, setval, lastval,
// and the serial and identity columns made of them. A sequence is the
// engine's (durable, not transactional: a rolled back nextval is not
// given back, as in PostgreSQL); currval and lastval are the session's.

// createSequence runs CREATE SEQUENCE.
func (s *Session) createSequence(c *pg.CreateSeqStmt) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	name, err := relName(c.Sequence)
	if err != nil {
		return nil, err
	}
	opts, err := sequenceOptions(c.Options)
	if err != nil {
		return nil, err
	}
	if err := s.db.CreateSequence(name, opts); err != nil {
		if c.IfNotExists && engine.Code(err) == engine.CodeDuplicateTable {
			s.notice(fmt.Sprintf("relation %q already exists, skipping", name))
			return &Result{Tag: "CREATE SEQUENCE"}, nil
		}
		return nil, err
	}
	return &Result{Tag: "CREATE SEQUENCE"}, nil
}

// sequenceOptions reads CREATE SEQUENCE's options (and an identity
// column's).
func sequenceOptions(list []*pg.Node) (engine.SequenceOptions, error) {
	var o engine.SequenceOptions
	for _, n := range list {
		d := n.GetDefElem()
		if ok, err := setSequenceOption(&o, d); ok {
			if err != nil {
				return o, err
			}
			continue
		}
		switch d.Defname {
		case "restart", "owned_by", "sequence_name":
			// Ignored here: an identity column's sequence is named and
			// owned by its column; RESTART belongs to ALTER SEQUENCE.
		default:
			return o, pgcode.Newf(pgcode.FeatureNotSupported, "sequence option %s is not supported", d.Defname)
		}
	}
	return o, nil
}

// setSequenceOption sets in o the option d names, if it is one CREATE and
// ALTER SEQUENCE share (START, INCREMENT, MINVALUE, MAXVALUE, CACHE,
// CYCLE, AS); false for any other.
func setSequenceOption(o *engine.SequenceOptions, d *pg.DefElem) (bool, error) {
	var err error
	switch d.Defname {
	case "start":
		o.Start, err = seqNumber(d)
	case "increment":
		o.Increment, err = seqNumber(d)
	case "minvalue":
		o.Min, err = seqNumber(d)
	case "maxvalue":
		o.Max, err = seqNumber(d)
	case "cache":
		o.Cache, err = seqNumber(d)
	case "cycle":
		o.Cycle = d.Arg == nil || d.Arg.GetBoolean() == nil || d.Arg.GetBoolean().Boolval
	case "as":
		o.Type, err = seqType(d)
	default:
		return false, nil
	}
	return true, err
}

// seqNumber reads a sequence option's number; nil for none (NO MINVALUE).
func seqNumber(d *pg.DefElem) (*int64, error) {
	if d.Arg == nil {
		return nil, nil
	}
	var v int64
	switch {
	case d.Arg.GetInteger() != nil:
		v = int64(d.Arg.GetInteger().Ival)
	case d.Arg.GetFloat() != nil:
		if _, err := fmt.Sscan(d.Arg.GetFloat().Fval, &v); err != nil {
			return nil, pgcode.Newf(pgcode.InvalidParameterValue, "%s %s is out of range", d.Defname, d.Arg.GetFloat().Fval)
		}
	default:
		return nil, pgcode.Newf(pgcode.SyntaxError, "option %q needs a number", d.Defname)
	}
	return &v, nil
}

// seqType reads AS type.
func seqType(d *pg.DefElem) (string, error) {
	t, err := plan.TypeName(d.Arg.GetTypeName())
	if err != nil {
		return "", err
	}
	switch t.Oid {
	case types.OidInt2:
		return "smallint", nil
	case types.OidInt4:
		return "integer", nil
	case types.OidInt8:
		return "bigint", nil
	}
	return "", pgcode.New(pgcode.InvalidParameterValue, "sequence type must be smallint, integer, or bigint")
}

// alterSequence runs ALTER SEQUENCE [IF EXISTS] name options: the options
// named change, the others stay; RESTART [WITH n] sets the next value
// (the start value without n); OWNED BY t.c | NONE moves it.
func (s *Session) alterSequence(a *pg.AlterSeqStmt) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	name, err := relName(a.Sequence)
	if err != nil {
		return nil, err
	}
	info, err := s.db.SequenceInfo(name)
	if err != nil {
		if a.MissingOk && errors.Is(err, engine.ErrNoSequence) {
			s.notice(fmt.Sprintf("relation %q does not exist, skipping", name))
			return &Result{Tag: "ALTER SEQUENCE"}, nil
		}
		return nil, err
	}
	o := engine.SequenceOptions{Type: info.Type, Start: &info.Start, Increment: &info.Increment,
		Min: &info.Min, Max: &info.Max, Cache: &info.Cache, Cycle: info.Cycle}
	var restart *int64
	restarting := false
	var owner *engine.SequenceOwner
	for _, n := range a.Options {
		d := n.GetDefElem()
		if d.Defname == "as" {
			// Bounds that were the old type's become the new type's.
			lo, hi, _ := engine.SequenceTypeRange(info.Type)
			if o.Min != nil && *o.Min == lo {
				o.Min = nil
			}
			if o.Max != nil && *o.Max == hi {
				o.Max = nil
			}
		}
		if ok, err := setSequenceOption(&o, d); ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		var err error
		switch d.Defname {
		case "restart":
			restarting = true
			restart, err = seqNumber(d)
		case "owned_by":
			items := d.Arg.GetList().GetItems()
			var w engine.SequenceOwner
			switch {
			case len(items) == 1 && items[0].GetString_().GetSval() == "none":
			case len(items) >= 2:
				w.Table, w.Column = items[len(items)-2].GetString_().GetSval(), items[len(items)-1].GetString_().GetSval()
			default:
				return nil, pgcode.New(pgcode.SyntaxError, "invalid OWNED BY option").WithHint("Specify OWNED BY table.column or OWNED BY NONE.")
			}
			owner = &w
		default:
			return nil, pgcode.Newf(pgcode.FeatureNotSupported, "sequence option %s is not supported", d.Defname)
		}
		if err != nil {
			return nil, err
		}
	}
	if restarting && restart == nil {
		restart = o.Start
	}
	if err := s.db.AlterSequence(name, o, restart); err != nil {
		return nil, err
	}
	if owner != nil {
		if err := s.db.SetSequenceOwner(name, *owner); err != nil {
			return nil, err
		}
	}
	return &Result{Tag: "ALTER SEQUENCE"}, nil
}

// sequenceName reads a sequence's name as nextval('...') gives it: a
// qualified name, folded to lower case unless quoted.
func sequenceName(text string) (string, error) {
	parts := strings.Split(text, ".")
	if len(parts) > 2 {
		return "", pgcode.Newf(pgcode.InvalidName, "improper relation name (too many dotted names): %s", text)
	}
	for i, p := range parts {
		if strings.HasPrefix(p, `"`) && strings.HasSuffix(p, `"`) && len(p) >= 2 {
			parts[i] = strings.ReplaceAll(p[1:len(p)-1], `""`, `"`)
		} else {
			parts[i] = strings.ToLower(p)
		}
	}
	if len(parts) == 2 {
		if parts[0] != "public" {
			return "", pgcode.Newf(pgcode.InvalidSchemaName, "schema %q does not exist", parts[0])
		}
		return parts[1], nil
	}
	return parts[0], nil
}

// The functions builtins calls, by way of fnSession.

func (f fnSession) Nextval(name string) (int64, error) {
	s := f.s
	n, err := sequenceName(name)
	if err != nil {
		return 0, err
	}
	if err := s.writable(); err != nil {
		return 0, err
	}
	v, err := s.db.Nextval(n)
	if err != nil {
		return 0, err
	}
	if s.currval == nil {
		s.currval = map[string]int64{}
	}
	s.currval[n], s.lastval, s.hasLastval = v, v, true
	return v, nil
}

func (f fnSession) Currval(name string) (int64, error) {
	s := f.s
	n, err := sequenceName(name)
	if err != nil {
		return 0, err
	}
	if _, err := s.db.SequenceInfo(n); err != nil {
		return 0, err
	}
	v, ok := s.currval[n]
	if !ok {
		return 0, pgcode.Newf(pgcode.ObjectNotInPrerequisiteState, "currval of sequence %q is not yet defined in this session", n)
	}
	return v, nil
}

func (f fnSession) Setval(name string, v int64, called bool) (int64, error) {
	s := f.s
	n, err := sequenceName(name)
	if err != nil {
		return 0, err
	}
	if err := s.writable(); err != nil {
		return 0, err
	}
	out, err := s.db.Setval(n, v, called)
	if err == nil && called {
		if s.currval == nil {
			s.currval = map[string]int64{}
		}
		s.currval[n] = v
	}
	return out, err
}

func (f fnSession) Lastval() (int64, error) {
	if !f.s.hasLastval {
		return 0, pgcode.New(pgcode.ObjectNotInPrerequisiteState, "lastval is not yet defined in this session")
	}
	return f.s.lastval, nil
}

// SequenceState is a sequence's last value and whether nextval gave it,
// for a read of the sequence as a relation.
func (f fnSession) SequenceState(name string) (int64, bool, error) {
	info, err := f.s.db.SequenceInfo(name)
	if err != nil {
		return 0, false, err
	}
	return info.LastValue, info.IsCalled, nil
}

// IsSequence reports whether name is a sequence (plan.SequenceCatalog).
func (c *catalog) IsSequence(name string) bool {
	_, err := c.s.db.SequenceInfo(name)
	return err == nil
}
