package builtins

import (
	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/sql/types"
)

// Merger is an Accumulator that can take in the rows another accumulator
// of its kind took, at once: partial aggregates of a table's parts, read
// side by side, combine into the aggregate of the whole. The rows m took
// count as coming after a's (array_agg keeps that order); m is not used
// again.
type Merger interface {
	Accumulator
	Merge(m Accumulator) error
}

func (a *countAcc) Merge(m Accumulator) error {
	a.n += m.(*countAcc).n
	return nil
}

func (a *sumIntAcc) Merge(m Accumulator) error {
	if b := m.(*sumIntAcc); b.any {
		return a.Add(nil, []types.Datum{b.n})
	}
	return nil
}

func (a *sumNumAcc) Merge(m Accumulator) error {
	b := m.(*sumNumAcc)
	if b.hasS {
		if err := a.Add(nil, []types.Datum{apd.New(b.s, b.exp)}); err != nil {
			return err
		}
	}
	if b.hasW {
		w, err := b.wide()
		if err != nil {
			return err
		}
		if err := a.Add(nil, []types.Datum{w}); err != nil {
			return err
		}
	}
	if b.d != nil {
		return a.Add(nil, []types.Datum{b.d})
	}
	return nil
}

func (a *sumFloatAcc) Merge(m Accumulator) error {
	if b := m.(*sumFloatAcc); b.any {
		return a.Add(nil, []types.Datum{b.f})
	}
	return nil
}

func (a *avgNumAcc) Merge(m Accumulator) error {
	b := m.(*avgNumAcc)
	a.n += b.n
	return a.sum.Merge(&b.sum)
}

func (a *avgFloatAcc) Merge(m Accumulator) error {
	b := m.(*avgFloatAcc)
	a.sum += b.sum
	a.n += b.n
	return nil
}

func (a *bestAcc) Merge(m Accumulator) error {
	b := m.(*bestAcc)
	if b.settle(); b.best != nil {
		return a.Add(nil, []types.Datum{b.best})
	}
	return nil
}

func (a *boolAcc) Merge(m Accumulator) error {
	if b := m.(*boolAcc); b.value != nil {
		return a.Add(nil, []types.Datum{b.value})
	}
	return nil
}

func (a *arrayAcc) Merge(m Accumulator) error {
	if b := m.(*arrayAcc); b.any {
		a.vals, a.any = append(a.vals, b.vals...), true
	}
	return nil
}
