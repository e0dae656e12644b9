package main

import (
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// table is a result ready for printing: column names and rows of values as
// the SQL layer returns them (nil, bool, int64, float64, string, []byte
// holding JSON for json columns, time.Time, [16]byte uuids).
type table struct {
	cols     []string
	jsonCols []bool // columns whose []byte values are JSON text
	rows     [][]any
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

// textValue renders a value as psql would in its aligned output.
func textValue(v any, isJSON bool) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "t"
		}
		return "f"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return x
	case []byte:
		if isJSON {
			return string(x)
		}
		return `\x` + hex.EncodeToString(x)
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999Z07:00")
	case [16]byte:
		h := hex.EncodeToString(x[:])
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	default:
		return fmt.Sprint(x)
	}
}

// jsonValue converts a value for JSON output, keeping JSON columns as JSON
// and integers exact.
func jsonValue(v any, isJSON bool) any {
	switch x := v.(type) {
	case []byte:
		if isJSON && json.Valid(x) {
			return json.RawMessage(x)
		}
		return textValue(x, false)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case [16]byte:
		return textValue(x, false)
	case float64:
		return x
	default:
		return v
	}
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
	row []any
}

func (o orderedRow) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range o.t.cols {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(c)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(jsonValue(o.row[i], o.t.jsonCols[i]))
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
	if err := cw.Write(t.cols); err != nil {
		return err
	}
	rec := make([]string, len(t.cols))
	for _, r := range t.rows {
		for i, v := range r {
			rec[i] = textValue(v, t.jsonCols[i])
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
		width[i] = utf8.RuneCountInString(c)
	}
	for r, row := range t.rows {
		cells[r] = make([]string, len(row))
		for i, v := range row {
			s := strings.ReplaceAll(textValue(v, t.jsonCols[i]), "\n", `\n`)
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
		pad := width[i] - utf8.RuneCountInString(c)
		b.WriteString(strings.Repeat(" ", pad/2) + c + strings.Repeat(" ", pad-pad/2))
	}
	b.WriteString("\n")
	for i := range t.cols {
		if i > 0 {
			b.WriteString("-+-")
		}
		b.WriteString(strings.Repeat("-", width[i]))
	}
	b.WriteString("\n")
	for r, row := range cells {
		for i, s := range row {
			if i > 0 {
				b.WriteString(" | ")
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(s))
			switch t.rows[r][i].(type) {
			case int64, float64:
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
