package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/driftdb/driftdb/store"
)

// Limits on what a write may hold. Every write path checks them before
// anything reaches the store, so a write beyond them fails with 54000 and
// leaves the database writable; and the readers of the log accept
// everything within them (a document the writer took is never refused).
const (
	// MaxDocumentBytes bounds the encoded (msgpack) size of an event's
	// payload (a document; a patch with its key; a key) and of a document
	// after a patch: what the body of one record of the log can hold
	// (store.MaxRecordSize) less room for the record's seq, unix_ms and
	// type.
	MaxDocumentBytes = store.MaxRecordSize - 32
	// MaxDepth bounds the nesting of a document: the top-level object is
	// at depth 1, an object or array in it at depth 2, and so on.
	MaxDepth = maxDepth
)

// Codes of the limit errors.
const (
	CodeCharacterNotInRepertoire = "22021" // invalid UTF-8
	CodeStatementTooComplex      = "54001"
)

// checkDoc checks a decoded document (or merge patch) against the limits
// the encoded form must keep: nesting, valid UTF-8 in every key and string,
// and only the value types documents hold (value.go). The encoded size is
// checked by the commit, which encodes it.
func checkDoc(doc map[string]any) error {
	return checkValue(doc, 1)
}

func checkValue(v any, depth int) error {
	switch x := v.(type) {
	case map[string]any:
		if depth > maxDepth {
			return tooDeep()
		}
		for k, e := range x {
			if !utf8.ValidString(k) {
				return InvalidUTF8([]byte(k))
			}
			if err := checkValue(e, depth+1); err != nil {
				return err
			}
		}
	case []any:
		if depth > maxDepth {
			return tooDeep()
		}
		for _, e := range x {
			if err := checkValue(e, depth+1); err != nil {
				return err
			}
		}
	case string:
		if !utf8.ValidString(x) {
			return InvalidUTF8([]byte(x))
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return errorf(CodeInvalidText, "NaN and infinity cannot be stored in a JSON document")
		}
	case nil, bool, int64, json.Number:
	default:
		return errorf(CodeDatatypeMismatch, "a document cannot hold a value of Go type %T", v)
	}
	return nil
}

func tooDeep() error {
	return errorf(CodeProgramLimitReached, "document nested deeper than %d levels (the limit)", maxDepth)
}

// checkSize fails with 54000 when an encoded document or patch is beyond
// MaxDocumentBytes.
func checkSize(what string, b []byte) error {
	if len(b) > MaxDocumentBytes {
		return errorf(CodeProgramLimitReached, "%s of %d bytes exceeds the limit of %d bytes (%d MiB less 32 bytes)",
			what, len(b), MaxDocumentBytes, store.MaxRecordSize>>20)
	}
	return nil
}

// InvalidUTF8 is the error for text that is not valid UTF-8 (22021), in
// PostgreSQL's words: it names the bytes of the first bad sequence.
func InvalidUTF8(b []byte) error {
	return &Error{Code: CodeCharacterNotInRepertoire, Msg: InvalidUTF8Message(b)}
}

// InvalidUTF8Message is the message of InvalidUTF8.
func InvalidUTF8Message(b []byte) string {
	i := 0
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		i += n
	}
	bad := b[i:min(len(b), i+2)]
	var sb strings.Builder
	for j, c := range bad {
		if j > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "0x%02x", c)
	}
	return fmt.Sprintf("invalid byte sequence for encoding \"UTF8\": %s", sb.String())
}
