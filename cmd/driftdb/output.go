package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/driftdb/driftdb/sql"
	"github.com/driftdb/driftdb/sql/types"
)

// table is a result ready for printing: its columns and rows as the SQL
// layer returns them, and the context that writes their values as text.
type table struct {
	cols []sql.Column
	rows [][]types.Datum
	tc   *types.Context
}

// formats the command line accepts for --format.
var formats = []string{"table", "json", "jsonl", "csv"}

func validFormat(f string) bool {
	for _, x := range formats {
		if f == x {
			return true
		}
	}
	return false
}

func writeTable(w io.Writer, t *table, format string) error {
	switch format {
	case "json":
		return writeJSON(w, t, false)
	case "jsonl":
		return writeJSON(w, t, true)
	case "csv":
		return writeCSV(w, t)
	default:
		return writeAligned(w, t)
	}
}

// textValue renders a value as psql does: PostgreSQL's text output of its
// type, and nothing for NULL.
func (t *table) textValue(v types.Datum, i int) string {
	if v == nil {
		return ""
	}
	return types.FormatText(v, t.cols[i].Type, t.tc)
}

// jsonValue converts a value of type typ for JSON output: booleans and
// numbers as JSON's (numeric exactly, as its digits), json and jsonb as
// the documents they are, arrays as arrays, anything else as its text.
func (t *table) jsonValue(v types.Datum, typ *types.T) any {
	if v == nil {
		return nil
	}
	switch typ.Family {
	case types.BoolFamily, types.IntFamily, types.OidFamily:
		return v
	case types.FloatFamily:
		if f := v.(float64); !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	case types.DecimalFamily:
		if d := v.(*apd.Decimal); d.Form == apd.Finite {
			return json.Number(types.FormatText(v, typ, t.tc))
		}
	case types.JSONFamily, types.JSONBFamily:
		return json.RawMessage(types.FormatText(v, typ, t.tc))
	case types.ArrayFamily:
		a := v.(*types.DArray)
		out := make([]any, len(a.Vals))
		for i, e := range a.Vals {
			out[i] = t.jsonValue(e, a.Elem)
		}
		return out
	}
	return types.FormatText(v, typ, t.tc)
}

func writeJSON(w io.Writer, t *table, lines bool) error {
	objs := make([]orderedRow, 0, len(t.rows))
	for _, r := range t.rows {
		objs = append(objs, orderedRow{t: t, row: r})
	}
	if lines {
		for _, o := range objs {
			b, err := json.Marshal(o)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
				return err
			}
		}
		return nil
	}
	b, err := json.MarshalIndent(objs, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// orderedRow marshals a row as a JSON object with keys in column order.
type orderedRow struct {
	t   *table
	row []types.Datum
}

func (o orderedRow) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range o.t.cols {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(c.Name)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(o.t.jsonValue(o.row[i], c.Type))
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

func writeCSV(w io.Writer, t *table) error {
	cw := csv.NewWriter(w)
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.Name
	}
	if err := cw.Write(names); err != nil {
		return err
	}
	rec := make([]string, len(t.cols))
	for _, r := range t.rows {
		for i, v := range r {
			rec[i] = t.textValue(v, i)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeAligned prints a psql-style aligned table with a row count.
func writeAligned(w io.Writer, t *table) error {
	width := make([]int, len(t.cols))
	cells := make([][]string, len(t.rows))
	for i, c := range t.cols {
		width[i] = utf8.RuneCountInString(c.Name)
	}
	for r, row := range t.rows {
		cells[r] = make([]string, len(row))
		for i, v := range row {
			s := strings.ReplaceAll(t.textValue(v, i), "\n", `\n`)
			cells[r][i] = s
			if n := utf8.RuneCountInString(s); n > width[i] {
				width[i] = n
			}
		}
	}
	var b strings.Builder
	for i, c := range t.cols {
		if i > 0 {
			b.WriteString(" | ")
		}
		pad := width[i] - utf8.RuneCountInString(c.Name)
		b.WriteString(strings.Repeat(" ", pad/2) + c.Name + strings.Repeat(" ", pad-pad/2))
	}
	b.WriteString("\n")
	for i := range t.cols {
		if i > 0 {
			b.WriteString("-+-")
		}
		b.WriteString(strings.Repeat("-", width[i]))
	}
	b.WriteString("\n")
	for _, row := range cells {
		for i, s := range row {
			if i > 0 {
				b.WriteString(" | ")
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(s))
			switch t.cols[i].Type.Category {
			case types.CatNumeric:
				b.WriteString(pad + s) // numbers align right, as psql does
			default:
				b.WriteString(s + pad)
			}
		}
		b.WriteString("\n")
	}
	noun := "rows"
	if len(t.rows) == 1 {
		noun = "row"
	}
	fmt.Fprintf(&b, "(%d %s)\n", len(t.rows), noun)
	_, err := io.WriteString(w, b.String())
	return err
}
