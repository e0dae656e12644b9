package exec

import (
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
	"github.com/driftdb/driftdb/sql/vtable"
)

// virtualScanOp yields the rows of a virtual table, made when it starts.
type virtualScanOp struct {
	rows [][]types.Datum
	i    int
}

func newVirtualScan(env *Env, n *plan.VirtualScan) (Operator, error) {
	v, err := env.viewFor(n.Travel)
	if err != nil {
		return nil, err
	}
	src := &vtable.Source{View: v}
	if env.Virtual != nil {
		src = env.Virtual(v)
	}
	c, err := vtable.Load(src)
	if err != nil {
		return nil, err
	}
	rows, err := n.Table.RowsOf(c)
	if err != nil {
		return nil, err
	}
	// The hidden tableoid column follows the table's own.
	oid := types.Datum(c.TableOid(n.Table))
	for i, r := range rows {
		rows[i] = append(r, oid)
	}
	return &virtualScanOp{rows: rows}, nil
}

func (op *virtualScanOp) Next() (Row, error) {
	if op.i >= len(op.rows) {
		return nil, nil
	}
	op.i++
	return op.rows[op.i-1], nil
}

func (op *virtualScanOp) Close() {}
