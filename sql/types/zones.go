package types

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// zoneAbbrev is a time zone abbreviation of input (EST, CEST, Z): a fixed
// offset in seconds east of UTC.
type zoneAbbrev struct {
	offset int32
	dst    bool
}

// Time zone names in input (America/New_York, europe/paris) are read as
// PostgreSQL reads them: from the IANA database, ignoring case. Go's
// time.LoadLocation wants the exact name, so the database's names are
// listed once, keyed by their lower case. The index and the loaded zones
// are caches of the system's files, which do not change while running.

var zoneDirs = []string{"/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ", "/etc/zoneinfo"}

var zoneIndex = sync.OnceValue(func() map[string]string {
	idx := map[string]string{}
	dirs := zoneDirs
	if env := os.Getenv("ZONEINFO"); env != "" {
		dirs = append([]string{env}, dirs...)
	}
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return nil
			}
			name := filepath.ToSlash(rel)
			if _, ok := idx[strings.ToLower(name)]; !ok {
				idx[strings.ToLower(name)] = name
			}
			return nil
		})
		if len(idx) > 0 {
			break
		}
	}
	return idx
})

var zoneCache sync.Map // lower-case name -> *time.Location

// LookupZone finds a time zone by its IANA name, ignoring case ("UTC",
// "europe/paris"); nil when there is none. The session uses it for SET
// TIME ZONE, so that the names it takes are the ones input takes.
func LookupZone(name string) *time.Location { return lookupZone(strings.ToLower(name)) }

// lookupZone is LookupZone for a name already in lower case.
func lookupZone(lower string) *time.Location {
	if lower == "" || strings.Contains(lower, "..") || strings.HasPrefix(lower, "/") {
		return nil
	}
	if loc, ok := zoneCache.Load(lower); ok {
		return loc.(*time.Location)
	}
	var loc *time.Location
	candidates := []string{}
	if name, ok := zoneIndex()[lower]; ok {
		candidates = append(candidates, name)
	}
	candidates = append(candidates, lower, strings.ToUpper(lower), titleZone(lower))
	for _, name := range candidates {
		if l, err := time.LoadLocation(name); err == nil && name != "" && name != "Local" {
			loc = l
			break
		}
	}
	if loc == nil {
		return nil
	}
	zoneCache.Store(lower, loc)
	return loc
}

// titleZone guesses the case of a zone name where no database listing is
// at hand: each word capitalized (america/new_york: America/New_York).
func titleZone(s string) string {
	b := []byte(s)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '/' || c == '_' || c == '-'
	}
	return string(b)
}

// isFixedZone reports whether a zone has always had one offset (UTC,
// Etc/GMT+5), as PostgreSQL's pg_get_timezone_offset.
func isFixedZone(loc *time.Location) bool {
	t := time.Unix(-1<<40, 0).In(loc)
	_, first := t.Zone()
	for range 2000 {
		_, end := t.ZoneBounds()
		if end.IsZero() {
			return true
		}
		t = end.In(loc)
		if _, off := t.Zone(); off != first {
			return false
		}
	}
	return false
}
