package sql

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/plan"
	"github.com/driftdb/driftdb/sql/types"
)

// ALTER TABLE ... ALTER COLUMN ... TYPE, for a new type that holds every
// value of the old one as it is: the stored values, and their history,
// need no rewrite (a smallint to an integer or a bigint, a varchar(n) to a
// longer one or to text, a numeric(p,s) to a wider precision of the same
// scale or to numeric). A change that would rewrite values is refused: the
// versions already written keep the old values, which the new type might
// not hold.

func (s *Session) alterColumnType(table string, cmd *pg.AlterTableCmd) error {
	cd := cmd.Def.GetColumnDef()
	if cd == nil || cd.TypeName == nil {
		return pgcode.New(pgcode.SyntaxError, "ALTER COLUMN TYPE needs a type")
	}
	if cd.RawDefault != nil {
		return pgcode.New(pgcode.FeatureNotSupported, "ALTER COLUMN TYPE ... USING is not supported: the column's history keeps its values as written")
	}
	nt, err := plan.TypeName(cd.TypeName)
	if err != nil {
		return err
	}
	t, err := (&catalog{s: s, view: s.db.View()}).Table(table)
	if err != nil {
		return err
	}
	i := t.Col(cmd.Name)
	if i < 0 || t.Cols[i].Hidden {
		return pgcode.Newf(pgcode.UndefinedColumn, "column %q of relation %q does not exist", cmd.Name, table)
	}
	cur := t.Cols[i].Type
	if types.Identical(cur, nt) {
		return nil
	}
	if !holdsAll(cur, nt) {
		return pgcode.Newf(pgcode.FeatureNotSupported, "ALTER COLUMN TYPE from %s to %s is not supported", cur, nt).
			WithDetail("The versions already written keep their values; only a type that holds every value of the old one as it is can be given (smallint to integer or bigint, varchar(n) to varchar(m) with m >= n or text, numeric(p,s) to numeric(q,s) with q >= p or numeric).")
	}
	if views := s.viewsOnColumn(table, cmd.Name); len(views) > 0 {
		lines := make([]string, len(views))
		for i, v := range views {
			lines[i] = fmt.Sprintf("rule _RETURN on view %s depends on column %q", v, cmd.Name)
		}
		return pgcode.New(pgcode.FeatureNotSupported, "cannot alter type of a column used by a view or rule").
			WithDetail(strings.Join(lines, "\n"))
	}
	typ, sqlType, mod, err := storedType(nt)
	if err != nil {
		return err
	}
	return s.db.SetColumnType(table, cmd.Name, typ, sqlType, mod)
}

// holdsAll reports whether every value of type from is a value of type to,
// unchanged.
func holdsAll(from, to *types.T) bool {
	intRank := map[types.Oid]int{types.OidInt2: 1, types.OidInt4: 2, types.OidInt8: 3}
	switch {
	case intRank[from.Oid] > 0 && intRank[to.Oid] > 0:
		return intRank[to.Oid] >= intRank[from.Oid]
	case (from.Oid == types.OidVarchar || from.Oid == types.OidText) && (to.Oid == types.OidVarchar || to.Oid == types.OidText):
		// text and an unbounded varchar hold any string; varchar(m) the
		// strings of varchar(n) for n <= m.
		return to.Mod < 0 || from.Oid == types.OidVarchar && from.Mod >= 0 && to.Mod >= from.Mod
	case from.Oid == types.OidNumeric && to.Oid == types.OidNumeric:
		if to.Mod < 0 {
			return true
		}
		if from.Mod < 0 {
			return false
		}
		fp, fs := (from.Mod-4)>>16, (from.Mod-4)&0xffff
		tp, ts := (to.Mod-4)>>16, (to.Mod-4)&0xffff
		return fs == ts && tp >= fp
	}
	return false
}
