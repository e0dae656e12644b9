package builtins

import (
	"strings"
	"unicode/utf8"

	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// The functions that write arguments of any type as text: concat,
// concat_ws, format, quote_literal and quote_nullable of anyelement. Each
// value is written by its type's output function, so its type comes from
// the call (Overload.FnFor).

// forTypes gives an overload a body made for its call's argument types.
func (o *Overload) forTypes(f func(at []*types.T) fnBody) *Overload {
	o.FnFor = f
	o.Fn = f(nil) // a body for callers that do not resolve (never for "any" arguments)
	return o
}

// outText writes a value as its type's output function does.
func outText(c *Context, v types.Datum, t *types.T) string {
	if s, ok := v.(string); ok && (t == nil || t.Family == types.UnknownFamily) {
		return s
	}
	if t == nil {
		return ""
	}
	return types.FormatText(v, t, c.Types)
}

func argType(at []*types.T, i int) *types.T {
	if i < len(at) {
		return at[i]
	}
	return nil
}

var _ = register(anyTextFuncs()...)

func anyTextFuncs() []*Overload {
	T := types.Text
	return []*Overload{
		def(3058, "concat", nil, T, nil).variadic(types.AnyT).lenient().stable().
			forTypes(func(at []*types.T) fnBody {
				return func(c *Context, a []types.Datum) (types.Datum, error) {
					var b strings.Builder
					for i, v := range a {
						if v != nil {
							b.WriteString(outText(c, v, argType(at, i)))
						}
					}
					return b.String(), nil
				}
			}),
		def(3059, "concat_ws", ts(T), T, nil).variadic(types.AnyT).lenient().stable().
			forTypes(func(at []*types.T) fnBody {
				return func(c *Context, a []types.Datum) (types.Datum, error) {
					if a[0] == nil {
						return nil, nil
					}
					sep := str(a[0])
					var b strings.Builder
					first := true
					for i := 1; i < len(a); i++ {
						if a[i] == nil {
							continue
						}
						if !first {
							b.WriteString(sep)
						}
						first = false
						b.WriteString(outText(c, a[i], argType(at, i)))
					}
					return b.String(), nil
				}
			}),
		def(3539, "format", ts(T), T, nil).variadic(types.AnyT).lenient().stable().
			forTypes(func(at []*types.T) fnBody {
				return func(c *Context, a []types.Datum) (types.Datum, error) {
					if a[0] == nil {
						return nil, nil
					}
					return format(c, str(a[0]), a, at)
				}
			}),
		def(3540, "format", ts(T), T, nil).lenient().stable().
			forTypes(func(at []*types.T) fnBody {
				return func(c *Context, a []types.Datum) (types.Datum, error) {
					if a[0] == nil {
						return nil, nil
					}
					return format(c, str(a[0]), a, at)
				}
			}),
		def(1285, "quote_literal", ts(types.AnyElement), T, nil).stable().
			forTypes(func(at []*types.T) fnBody {
				return func(c *Context, a []types.Datum) (types.Datum, error) {
					return quoteLiteral(outText(c, a[0], argType(at, 0))), nil
				}
			}),
		def(1290, "quote_nullable", ts(types.AnyElement), T, nil).stable().lenient().
			forTypes(func(at []*types.T) fnBody {
				return func(c *Context, a []types.Datum) (types.Datum, error) {
					if a[0] == nil {
						return "NULL", nil
					}
					return quoteLiteral(outText(c, a[0], argType(at, 0))), nil
				}
			}),
	}
}

func formatHint(err error) error {
	return err.(*pgcode.Error).WithHint(`For a single "%" use "%%".`)
}

// format is PostgreSQL's format(): %s, %I and %L conversions with an
// optional argument position (n$), a - flag and a width (a number, *
// or *n$); %% is a percent sign.
func format(c *Context, f string, a []types.Datum, at []*types.T) (types.Datum, error) {
	var b strings.Builder
	arg := 1
	unterminated := func() error { return formatHint(errInvalidParam("unterminated format() type specifier")) }
	i := 0
	// digits reads a number at f[i:]; i must stay inside f afterwards.
	digits := func() (n int, found bool, err error) {
		for i < len(f) && f[i] >= '0' && f[i] <= '9' {
			n = n*10 + int(f[i]-'0')
			if n > 1<<31-1 {
				return 0, false, pgcode.New(pgcode.NumericValueOutOfRange, "number is out of range")
			}
			i++
			found = true
		}
		if i >= len(f) {
			return 0, false, unterminated()
		}
		return n, found, nil
	}
	fetch := func(pos int) (types.Datum, *types.T, error) {
		if pos > 0 {
			arg = pos
		}
		if arg >= len(a) {
			return nil, nil, errInvalidParam("too few arguments for format()")
		}
		v, t := a[arg], argType(at, arg)
		arg++
		return v, t, nil
	}
	for ; i < len(f); i++ {
		if f[i] != '%' {
			b.WriteByte(f[i])
			continue
		}
		i++
		if i >= len(f) {
			return nil, unterminated()
		}
		if f[i] == '%' {
			b.WriteByte('%')
			continue
		}
		argpos, widthpos, width, minus := -1, -1, 0, false
		n, found, err := digits()
		if err != nil {
			return nil, err
		}
		parsed := false
		if found {
			if f[i] != '$' {
				width, parsed = n, true
			} else {
				if n == 0 {
					return nil, errInvalidParam("format specifies argument 0, but arguments are numbered from 1")
				}
				argpos = n
				if i++; i >= len(f) {
					return nil, unterminated()
				}
			}
		}
		if !parsed {
			for f[i] == '-' {
				minus = true
				if i++; i >= len(f) {
					return nil, unterminated()
				}
			}
			if f[i] == '*' {
				if i++; i >= len(f) {
					return nil, unterminated()
				}
				n, found, err := digits()
				if err != nil {
					return nil, err
				}
				if found {
					if f[i] != '$' {
						return nil, errInvalidParam("width argument position must be ended by \"$\"")
					}
					if n == 0 {
						return nil, errInvalidParam("format specifies argument 0, but arguments are numbered from 1")
					}
					widthpos = n
					if i++; i >= len(f) {
						return nil, unterminated()
					}
				} else {
					widthpos = 0
				}
			} else {
				n, found, err := digits()
				if err != nil {
					return nil, err
				}
				if found {
					width = n
				}
			}
		}
		conv := f[i]
		if strings.IndexByte("sIL", conv) < 0 {
			r, _ := utf8.DecodeRuneInString(f[i:])
			return nil, formatHint(pgcode.Newf(pgcode.InvalidParameterValue, "unrecognized format() type specifier \"%c\"", r))
		}
		if widthpos >= 0 {
			v, t, err := fetch(widthpos)
			if err != nil {
				return nil, err
			}
			width = 0
			if v != nil {
				w, err := types.ParseText(outText(c, v, t), types.Int4, c.Types)
				if err != nil {
					return nil, err
				}
				width = int(w.(int64))
			}
		}
		v, t, err := fetch(argpos)
		if err != nil {
			return nil, err
		}
		var s string
		switch {
		case v == nil && conv == 'I':
			return nil, pgcode.New(pgcode.NullValueNotAllowed, "null values cannot be formatted as an SQL identifier")
		case v == nil && conv == 'L':
			s = "NULL"
		case v == nil:
		case conv == 'I':
			s = QuoteIdent(outText(c, v, t))
		case conv == 'L':
			s = quoteLiteral(outText(c, v, t))
		default:
			s = outText(c, v, t)
		}
		if width < 0 {
			minus, width = true, -width
		}
		fill := width - utf8.RuneCountInString(s)
		if !minus && fill > 0 {
			b.WriteString(strings.Repeat(" ", fill))
		}
		b.WriteString(s)
		if minus && fill > 0 {
			b.WriteString(strings.Repeat(" ", fill))
		}
		if b.Len() > maxStringBytes {
			return nil, errTooLarge
		}
	}
	return b.String(), nil
}
