package sql

import "strconv"

// uniqueCheckName makes a CHECK's chosen name (table_check, table_col_check)
// one the table's constraints do not have yet, as PostgreSQL does: by
// appending 1, 2... to it.
func (s *Session) uniqueCheckName(table, base string) (string, error) {
	v := s.db.View()
	taken := map[string]bool{}
	spec, err := v.Spec(table)
	if err != nil {
		return "", err
	}
	for _, c := range spec.Checks {
		taken[c.Name] = true
	}
	ixs, err := v.Indexes(table)
	if err != nil {
		return "", err
	}
	for _, ix := range ixs {
		taken[ix.Name] = true
	}
	name := base
	for i := 1; taken[name]; i++ {
		name = base + strconv.Itoa(i)
	}
	return name, nil
}
