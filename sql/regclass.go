package sql

import (
	"errors"
)

// identParts splits a possibly qualified name at its dots, as
// PostgreSQL reads one: a double-quoted part keeps its case and may hold
// dots ("" is a quote in it), the others fold to lower case.
func identParts(name string) ([]string, error) {
	var parts []string
	for i := 0; ; {
		var part []byte
		if i < len(name) && name[i] == '"' {
			i++
			for {
				if i >= len(name) {
					return nil, errImproperName
				}
				if name[i] == '"' {
					if i+1 < len(name) && name[i+1] == '"' {
						part = append(part, '"')
						i += 2
						continue
					}
					i++
					break
				}
				part = append(part, name[i])
				i++
			}
		} else {
			for i < len(name) && name[i] != '.' {
				c := name[i]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				part = append(part, c)
				i++
			}
		}
		parts = append(parts, string(part))
		if i >= len(name) {
			return parts, nil
		}
		if name[i] != '.' {
			return nil, errImproperName
		}
		i++
	}
}

// errImproperName is identParts' refusal of a name it cannot split.
var errImproperName = errors.New("improper qualified name")
