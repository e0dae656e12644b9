package types

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// ZoneNames lists the names of the time zone database that load as
// zones, sorted, as pg_timezone_names shows them: the leap-second
// variants under right/ are left out, as PostgreSQL leaves them, and the
// posix/ variants are listed where the database links them in as
// directories, which the index does not follow.
func ZoneNames() []string { return zoneNames() }

var zoneNames = sync.OnceValue(func() []string {
	seen := map[string]bool{}
	var out []string
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, name := range zoneIndex() {
		if strings.HasPrefix(name, "right/") || loadZone(name) == nil {
			continue
		}
		add(name)
	}
	for _, name := range append([]string(nil), out...) {
		if strings.HasPrefix(name, "posix/") || name == "localtime" || name == "posixrules" || seen["posix/"+name] {
			continue
		}
		if _, err := time.LoadLocation("posix/" + name); err == nil {
			add("posix/" + name)
		}
	}
	sort.Strings(out)
	return out
})

// loadZone loads a zone by its exact name, through the cache input uses;
// nil if the file is no zone.
func loadZone(name string) *time.Location {
	return lookupZone(strings.ToLower(name))
}

// ZoneAbbrev is a time zone abbreviation input takes: its name as
// pg_timezone_abbrevs writes it, its offset from UTC in seconds and
// whether it is a daylight-saving time.
type ZoneAbbrev struct {
	Name   string
	Offset int32
	DST    bool
}

// ZoneAbbrevs lists the abbreviations input takes, sorted by name.
func ZoneAbbrevs() []ZoneAbbrev {
	out := make([]ZoneAbbrev, 0, len(zoneAbbrevs))
	for name, a := range zoneAbbrevs {
		out = append(out, ZoneAbbrev{Name: strings.ToUpper(name), Offset: a.offset, DST: a.dst})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
