package vtable

import (
	"time"

	"github.com/driftdb/driftdb/sql/types"
)

// More of pg_catalog: activity and statistics, time zones, tablespaces,
// collations, extensions.

func init() {
	for name, b := range map[string]func(*Catalog, func(row)) error{
		"pg_catalog.pg_stat_activity":      pgStatActivity,
		"pg_catalog.pg_stat_user_tables":   pgStatUserTables,
		"pg_catalog.pg_timezone_names":     pgTimezoneNames,
		"pg_catalog.pg_timezone_abbrevs":   pgTimezoneAbbrevs,
		"pg_catalog.pg_tablespace":         pgTablespace,
		"pg_catalog.pg_collation":          pgCollation,
		"pg_catalog.pg_extension":          pgExtension,
		"pg_catalog.pg_language":           pgLanguage,
		"pg_catalog.pg_stat_database":      pgStatDatabase,
		"pg_catalog.pg_stat_user_indexes":  pgStatUserIndexes,
		"pg_catalog.pg_statio_user_tables": pgStatioUserTables,
	} {
		builders[name] = b
	}
	for _, name := range []string{"pg_stat_user_tables", "pg_locks", "pg_timezone_names", "pg_timezone_abbrevs",
		"pg_stat_database", "pg_stat_user_indexes", "pg_statio_user_tables", "pg_prepared_xacts", "pg_user_mappings"} {
		views[name] = true
	}
}

func timestamptz(t time.Time) types.Datum {
	if t.IsZero() {
		return nil
	}
	return types.TimestampTZFromTime(t)
}

func pgStatActivity(c *Catalog, emit func(row)) error {
	if c.src.Activity == nil {
		return nil
	}
	for _, a := range c.src.Activity() {
		state := a.State
		if state == "" {
			state = "idle"
			if a.Active {
				state = "active"
			}
		}
		stateChange := a.StateChange
		if stateChange.IsZero() {
			stateChange = a.QueryStart
		}
		var addr, port types.Datum
		if a.ClientAddr != "" {
			addr, port = a.ClientAddr, int64(a.ClientPort)
		}
		emit(row{"datid": int64(OidDatabase), "datname": c.src.Database, "pid": int64(a.PID),
			"usesysid": int64(OidSuperuser), "usename": a.User, "application_name": a.Application,
			"client_addr": addr, "client_port": port,
			"backend_start": timestamptz(a.BackendStart), "xact_start": timestamptz(a.XactStart),
			"query_start": timestamptz(a.QueryStart), "state_change": timestamptz(stateChange),
			"leader_pid": nil, "backend_xid": nil, "backend_xmin": nil, "query_id": nil,
			"state": state, "query": a.Query, "backend_type": "client backend"})
	}
	return nil
}

// pgStatUserTables has a row per table. DriftDB counts no scans and no
// tuples: the counters are 0, the times of vacuum and analyze NULL.
func pgStatUserTables(c *Catalog, emit func(row)) error {
	for _, t := range c.Tables {
		r := row{"relid": t.Rel.Oid, "schemaname": Public, "relname": t.Rel.Name}
		for _, col := range []string{"seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins",
			"n_tup_upd", "n_tup_del", "n_tup_hot_upd", "n_live_tup", "n_dead_tup", "n_mod_since_analyze",
			"n_ins_since_vacuum", "vacuum_count", "autovacuum_count", "analyze_count", "autoanalyze_count"} {
			r[col] = int64(0)
		}
		emit(r)
	}
	return nil
}

func pgTimezoneNames(_ *Catalog, emit func(row)) error {
	now := time.Now()
	for _, name := range types.ZoneNames() {
		loc, err := time.LoadLocation(name)
		if err != nil {
			continue
		}
		t := now.In(loc)
		abbrev, offset := t.Zone()
		emit(row{"name": name, "abbrev": abbrev, "utc_offset": types.DInterval{Micros: int64(offset) * 1e6},
			"is_dst": t.IsDST()})
	}
	return nil
}

func pgTimezoneAbbrevs(_ *Catalog, emit func(row)) error {
	for _, a := range types.ZoneAbbrevs() {
		emit(row{"abbrev": a.Name, "utc_offset": types.DInterval{Micros: int64(a.Offset) * 1e6}, "is_dst": a.DST})
	}
	return nil
}

func pgTablespace(_ *Catalog, emit func(row)) error {
	emit(row{"oid": int64(1663), "spcname": "pg_default", "spcowner": int64(OidSuperuser)})
	emit(row{"oid": int64(1664), "spcname": "pg_global", "spcowner": int64(OidSuperuser)})
	return nil
}

func pgCollation(_ *Catalog, emit func(row)) error {
	for _, k := range []struct {
		oid            int64
		name, provider string
	}{{collDefault, "default", "d"}, {collC, "C", "c"}, {951, "POSIX", "c"}} {
		r := row{"oid": k.oid, "collname": k.name, "collnamespace": int64(OidPgCatalog),
			"collowner": int64(OidSuperuser), "collprovider": k.provider, "collisdeterministic": true,
			"collencoding": int64(-1)}
		if k.provider == "c" {
			r["collcollate"], r["collctype"] = k.name, k.name
		}
		emit(r)
	}
	return nil
}

// pgExtension shows plpgsql, which initdb installs in every PostgreSQL 15
// database, driftdb (the driftdb schema and its objects), and the
// extensions CREATE EXTENSION gave (in public, as PostgreSQL puts them by
// default).
func pgExtension(c *Catalog, emit func(row)) error {
	emit(row{"oid": int64(13559), "extname": "plpgsql", "extowner": int64(OidSuperuser),
		"extnamespace": int64(OidPgCatalog), "extrelocatable": false, "extversion": "1.0"})
	emit(row{"oid": int64(OidDriftDBExtension), "extname": DriftDB, "extowner": int64(OidSuperuser),
		"extnamespace": int64(OidDriftDB), "extrelocatable": false, "extversion": "1.0"})
	if c.src.DB == nil {
		return nil
	}
	for _, e := range c.src.DB.Extensions() {
		emit(row{"oid": int64(e.OID), "extname": e.Name, "extowner": int64(OidSuperuser),
			"extnamespace": int64(OidPublic), "extrelocatable": true, "extversion": e.Version})
	}
	return nil
}

// pgLanguage has PostgreSQL's languages: internal (DriftDB's functions),
// c and sql, and plpgsql, as pg_extension has it.
func pgLanguage(_ *Catalog, emit func(row)) error {
	for _, l := range []struct {
		oid                        int64
		name                       string
		pl, trusted                bool
		handler, inline, validator int64
	}{{12, "internal", false, false, 0, 0, 2246}, {13, "c", false, false, 0, 0, 2247},
		{14, "sql", false, true, 0, 0, 2248}, {13563, "plpgsql", true, true, 13560, 13561, 13562}} {
		emit(row{"oid": l.oid, "lanname": l.name, "lanowner": int64(OidSuperuser), "lanispl": l.pl,
			"lanpltrusted": l.trusted, "lanplcallfoid": l.handler, "laninline": l.inline, "lanvalidator": l.validator})
	}
	return nil
}

// pgStatDatabase has a row for the shared objects (datid 0) and one for
// the database, with the session counted as its backend; DriftDB counts
// no transactions, blocks or tuples.
func pgStatDatabase(c *Catalog, emit func(row)) error {
	for _, db := range []struct {
		oid      int64
		name     types.Datum
		backends int64
	}{{0, nil, 0}, {OidDatabase, c.src.Database, 1}} {
		r := row{"datid": db.oid, "datname": db.name, "numbackends": db.backends, "checksum_failures": nil}
		emit(r)
	}
	return nil
}

func pgStatUserIndexes(c *Catalog, emit func(row)) error {
	for _, t := range c.Tables {
		for _, ix := range t.Indexes {
			emit(row{"relid": t.Rel.Oid, "indexrelid": ix.Rel.Oid, "schemaname": Public, "relname": t.Rel.Name,
				"indexrelname": ix.Rel.Name})
		}
	}
	return nil
}

func pgStatioUserTables(c *Catalog, emit func(row)) error {
	for _, t := range c.Tables {
		emit(row{"relid": t.Rel.Oid, "schemaname": Public, "relname": t.Rel.Name, "toast_blks_read": nil,
			"toast_blks_hit": nil, "tidx_blks_read": nil, "tidx_blks_hit": nil})
	}
	return nil
}
