package sql

import "maps"

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
}

// setValue is a setting's value, or none.
type setValue struct {
	v  string
	ok bool
}

// beginSettings marks the settings at the start of a transaction block.
func (s *Session) beginSettings() {
	s.txSet = txSettings{at: maps.Clone(s.settings)}
}

// noteSet records, in a transaction block, that a setting was given its
// current value by SET or RESET (not LOCAL): COMMIT keeps it.
func (s *Session) noteSet(name string) {
	if s.txn == nil || s.txSet.at == nil {
		return
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
	s.settings = s.txSet.at
	if commit {
		for name, v := range s.txSet.keep {
			if v.ok {
				s.settings[name] = v.v
			} else {
				delete(s.settings, name)
			}
		}
	}
	s.txSet = txSettings{}
	s.settingsGen++
}

// markSettings copies the settings for a savepoint; undoSettings goes
// back to such a copy (ROLLBACK TO).
func (s *Session) markSettings() txSettings {
	return txSettings{at: maps.Clone(s.settings), keep: maps.Clone(s.txSet.keep)}
}

func (s *Session) undoSettings(m txSettings) {
	s.settings = maps.Clone(m.at)
	s.txSet.keep = maps.Clone(m.keep)
	s.settingsGen++
}
