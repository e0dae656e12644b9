package sql

import (
	"maps"
	"strings"
)

// Settings in transactions, as PostgreSQL keeps them: what SET changes in
// a transaction block stays if the block commits and is undone if it
// rolls back (or by ROLLBACK TO, back to the savepoint); SET LOCAL (and
// set_config(..., true)) lasts until the block ends, and outside one
// changes nothing.

// txSettings is what a transaction block keeps of the settings.
type txSettings struct {
	// at are the settings when the block began, to go back to at its end.
	at map[string]string
	// keep are the values SET (not LOCAL) and RESET gave in the block,
	// which COMMIT keeps (absent: RESET to no value).
	keep map[string]setValue
	// gen is the settings' generation when the block began: unchanged at
	// its end, the settings are as they were.
	gen uint64
}

// setValue is a setting's value, or none.
type setValue struct {
	v  string
	ok bool
}

// beginSettings marks the settings at the start of a transaction block.
// A mark shares the settings' map until they change (changeSettings).
func (s *Session) beginSettings() {
	s.txSet = txSettings{at: s.settings, gen: s.settingsGen}
	s.settingsShared, s.keepShared = true, false
}

// changeSettings returns the settings' map for a change, copied first if
// a mark holds it, and counts the change.
func (s *Session) changeSettings() map[string]string {
	s.settingsGen++
	if s.settingsShared {
		s.settings, s.settingsShared = maps.Clone(s.settings), false
	}
	return s.settings
}

// noteSet records, in a transaction block, that a setting was given its
// current value by SET or RESET (not LOCAL): COMMIT keeps it.
func (s *Session) noteSet(name string) {
	if s.txn == nil || s.txSet.at == nil {
		return
	}
	if s.keepShared {
		s.txSet.keep, s.keepShared = maps.Clone(s.txSet.keep), false
	}
	if s.txSet.keep == nil {
		s.txSet.keep = map[string]setValue{}
	}
	v, ok := s.settings[name]
	s.txSet.keep[name] = setValue{v, ok}
}

// endSettings ends a transaction block's settings: the ones at its start,
// with (commit) the values SET gave in it.
func (s *Session) endSettings(commit bool) {
	if s.txSet.at == nil {
		return
	}
	in := s.settings
	s.settings, s.settingsShared = s.txSet.at, true
	if s.settingsGen != s.txSet.gen {
		s.settingsGen++ // the block changed them: they are reported again
		s.keepPlaceholders(in)
	}
	if commit && len(s.txSet.keep) > 0 {
		m := s.changeSettings()
		for name, v := range s.txSet.keep {
			if v.ok {
				m[name] = v.v
			} else {
				delete(m, name)
			}
		}
	}
	s.txSet = txSettings{}
}

// markSettings marks the settings for a savepoint; undoSettings goes back
// to such a mark (ROLLBACK TO). The mark shares the maps until they
// change.
func (s *Session) markSettings() txSettings {
	s.settingsShared, s.keepShared = true, true
	return txSettings{at: s.settings, keep: s.txSet.keep}
}

func (s *Session) undoSettings(m txSettings) {
	in := s.settings
	s.settings, s.txSet.keep = m.at, m.keep
	s.settingsShared, s.keepShared = true, true
	s.settingsGen++
	s.keepPlaceholders(in)
}

// keepPlaceholders keeps defined, empty, the custom settings (x.y) of in
// that the settings gone back to do not have: once given a value, such a
// setting stays, as PostgreSQL's placeholder does.
func (s *Session) keepPlaceholders(in map[string]string) {
	for name := range in {
		if _, ok := s.settings[name]; !ok && isCustomSetting(name) {
			s.changeSettings()[name] = ""
		}
	}
}

// isCustomSetting reports whether name is a custom setting's (x.y).
func isCustomSetting(name string) bool { return strings.Contains(name, ".") }
