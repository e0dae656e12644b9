package vtable

// Columns of more catalog tables and views, as columnDefs has them.
func init() {
	columnDefs["pg_catalog.pg_stat_user_tables"] = `
relid oid
schemaname name
relname name
seq_scan bigint
seq_tup_read bigint
idx_scan bigint
idx_tup_fetch bigint
n_tup_ins bigint
n_tup_upd bigint
n_tup_del bigint
n_tup_hot_upd bigint
n_live_tup bigint
n_dead_tup bigint
n_mod_since_analyze bigint
n_ins_since_vacuum bigint
last_vacuum timestamp with time zone
last_autovacuum timestamp with time zone
last_analyze timestamp with time zone
last_autoanalyze timestamp with time zone
vacuum_count bigint
autovacuum_count bigint
analyze_count bigint
autoanalyze_count bigint`
	columnDefs["pg_catalog.pg_locks"] = `
locktype text
database oid
relation oid
page integer
tuple smallint
virtualxid text
transactionid xid
classid oid
objid oid
objsubid smallint
virtualtransaction text
pid integer
mode text
granted boolean
fastpath boolean
waitstart timestamp with time zone`
	columnDefs["pg_catalog.pg_timezone_names"] = `
name text
abbrev text
utc_offset interval
is_dst boolean`
	columnDefs["pg_catalog.pg_timezone_abbrevs"] = `
abbrev text
utc_offset interval
is_dst boolean`
	columnDefs["pg_catalog.pg_language"] = `
oid oid
lanname name
lanowner oid
lanispl boolean
lanpltrusted boolean
lanplcallfoid oid
laninline oid
lanvalidator oid
lanacl aclitem[]`
	columnDefs["pg_catalog.pg_conversion"] = `
oid oid
conname name
connamespace oid
conowner oid
conforencoding integer
contoencoding integer
conproc regproc
condefault boolean`
	columnDefs["pg_catalog.pg_foreign_server"] = `
oid oid
srvname name
srvowner oid
srvfdw oid
srvtype text
srvversion text
srvacl aclitem[]
srvoptions text[]`
	columnDefs["pg_catalog.pg_foreign_data_wrapper"] = `
oid oid
fdwname name
fdwowner oid
fdwhandler oid
fdwvalidator oid
fdwacl aclitem[]
fdwoptions text[]`
	columnDefs["pg_catalog.pg_user_mapping"] = `
oid oid
umuser oid
umserver oid
umoptions text[]`
	columnDefs["pg_catalog.pg_db_role_setting"] = `
setdatabase oid
setrole oid
setconfig text[]`
	columnDefs["pg_catalog.pg_subscription"] = `
oid oid
subdbid oid
subskiplsn pg_lsn
subname name
subowner oid
subenabled boolean
subbinary boolean
substream boolean
subtwophasestate "char"
subdisableonerr boolean
subconninfo text
subslotname name
subsynccommit text
subpublications text[]`
	columnDefs["pg_catalog.pg_ts_config"] = `
oid oid
cfgname name
cfgnamespace oid
cfgowner oid
cfgparser oid`
	columnDefs["pg_catalog.pg_ts_dict"] = `
oid oid
dictname name
dictnamespace oid
dictowner oid
dicttemplate oid
dictinitoption text`
	columnDefs["pg_catalog.pg_ts_parser"] = `
oid oid
prsname name
prsnamespace oid
prsstart regproc
prstoken regproc
prsend regproc
prsheadline regproc
prslextype regproc`
	columnDefs["pg_catalog.pg_ts_template"] = `
oid oid
tmplname name
tmplnamespace oid
tmplinit regproc
tmpllexize regproc`
	columnDefs["pg_catalog.pg_opclass"] = `
oid oid
opcmethod oid
opcname name
opcnamespace oid
opcowner oid
opcfamily oid
opcintype oid
opcdefault boolean
opckeytype oid`
	columnDefs["pg_catalog.pg_opfamily"] = `
oid oid
opfmethod oid
opfname name
opfnamespace oid
opfowner oid`
	columnDefs["pg_catalog.pg_default_acl"] = `
oid oid
defaclrole oid
defaclnamespace oid
defaclobjtype "char"
defaclacl aclitem[]`
	columnDefs["pg_catalog.pg_seclabels"] = `
objoid oid
classoid oid
objsubid integer
objtype text
objnamespace oid
objname text
provider text
label text`
	columnDefs["pg_catalog.pg_largeobject_metadata"] = `
oid oid
lomowner oid
lomacl aclitem[]`
	columnDefs["pg_catalog.pg_transform"] = `
oid oid
trftype oid
trflang oid
trffromsql regproc
trftosql regproc`
	columnDefs["pg_catalog.pg_init_privs"] = `
objoid oid
classoid oid
objsubid integer
privtype "char"
initprivs aclitem[]`
	columnDefs["pg_catalog.pg_stat_database"] = `
datid oid
datname name
numbackends integer
xact_commit bigint
xact_rollback bigint
blks_read bigint
blks_hit bigint
tup_returned bigint
tup_fetched bigint
tup_inserted bigint
tup_updated bigint
tup_deleted bigint
conflicts bigint
temp_files bigint
temp_bytes bigint
deadlocks bigint
checksum_failures bigint
checksum_last_failure timestamp with time zone
blk_read_time double precision
blk_write_time double precision
session_time double precision
active_time double precision
idle_in_transaction_time double precision
sessions bigint
sessions_abandoned bigint
sessions_fatal bigint
sessions_killed bigint
stats_reset timestamp with time zone`
	columnDefs["pg_catalog.pg_statio_user_tables"] = `
relid oid
schemaname name
relname name
heap_blks_read bigint
heap_blks_hit bigint
idx_blks_read bigint
idx_blks_hit bigint
toast_blks_read bigint
toast_blks_hit bigint
tidx_blks_read bigint
tidx_blks_hit bigint`
	columnDefs["pg_catalog.pg_stat_user_indexes"] = `
relid oid
indexrelid oid
schemaname name
relname name
indexrelname name
idx_scan bigint
idx_tup_read bigint
idx_tup_fetch bigint`
	columnDefs["pg_catalog.pg_prepared_xacts"] = `
transaction xid
gid text
prepared timestamp with time zone
owner name
database name`
	columnDefs["information_schema.routines"] = `
specific_catalog name
specific_schema name
specific_name name
routine_catalog name
routine_schema name
routine_name name
routine_type character varying
module_catalog name
module_schema name
module_name name
udt_catalog name
udt_schema name
udt_name name
data_type character varying
character_maximum_length integer
character_octet_length integer
character_set_catalog name
character_set_schema name
character_set_name name
collation_catalog name
collation_schema name
collation_name name
numeric_precision integer
numeric_precision_radix integer
numeric_scale integer
datetime_precision integer
interval_type character varying
interval_precision integer
type_udt_catalog name
type_udt_schema name
type_udt_name name
scope_catalog name
scope_schema name
scope_name name
maximum_cardinality integer
dtd_identifier name
routine_body character varying
routine_definition character varying
external_name character varying
external_language character varying
parameter_style character varying
is_deterministic character varying(3)
sql_data_access character varying
is_null_call character varying(3)
sql_path character varying
schema_level_routine character varying(3)
max_dynamic_result_sets integer
is_user_defined_cast character varying(3)
is_implicitly_invocable character varying(3)
security_type character varying
to_sql_specific_catalog name
to_sql_specific_schema name
to_sql_specific_name name
as_locator character varying(3)
created timestamp(2) with time zone
last_altered timestamp(2) with time zone
new_savepoint_level character varying(3)
is_udt_dependent character varying(3)
result_cast_from_data_type character varying
result_cast_as_locator character varying(3)
result_cast_char_max_length integer
result_cast_char_octet_length integer
result_cast_char_set_catalog name
result_cast_char_set_schema name
result_cast_char_set_name name
result_cast_collation_catalog name
result_cast_collation_schema name
result_cast_collation_name name
result_cast_numeric_precision integer
result_cast_numeric_precision_radix integer
result_cast_numeric_scale integer
result_cast_datetime_precision integer
result_cast_interval_type character varying
result_cast_interval_precision integer
result_cast_type_udt_catalog name
result_cast_type_udt_schema name
result_cast_type_udt_name name
result_cast_scope_catalog name
result_cast_scope_schema name
result_cast_scope_name name
result_cast_maximum_cardinality integer
result_cast_dtd_identifier name`
	columnDefs["information_schema.parameters"] = `
specific_catalog name
specific_schema name
specific_name name
ordinal_position integer
parameter_mode character varying
is_result character varying(3)
as_locator character varying(3)
parameter_name name
data_type character varying
character_maximum_length integer
character_octet_length integer
character_set_catalog name
character_set_schema name
character_set_name name
collation_catalog name
collation_schema name
collation_name name
numeric_precision integer
numeric_precision_radix integer
numeric_scale integer
datetime_precision integer
interval_type character varying
interval_precision integer
udt_catalog name
udt_schema name
udt_name name
scope_catalog name
scope_schema name
scope_name name
maximum_cardinality integer
dtd_identifier name
parameter_default character varying`
	columnDefs["information_schema.character_sets"] = `
character_set_catalog name
character_set_schema name
character_set_name name
character_repertoire name
form_of_use name
default_collate_catalog name
default_collate_schema name
default_collate_name name`
	columnDefs["information_schema.enabled_roles"] = `
role_name name`
	columnDefs["information_schema.referential_constraints"] = `
constraint_catalog name
constraint_schema name
constraint_name name
unique_constraint_catalog name
unique_constraint_schema name
unique_constraint_name name
match_option character varying
update_rule character varying
delete_rule character varying`
	columnDefs["information_schema.constraint_column_usage"] = `
table_catalog name
table_schema name
table_name name
column_name name
constraint_catalog name
constraint_schema name
constraint_name name`
	columnDefs["information_schema.check_constraints"] = `
constraint_catalog name
constraint_schema name
constraint_name name
check_clause character varying`
	columnDefs["information_schema.sequences"] = `
sequence_catalog name
sequence_schema name
sequence_name name
data_type character varying
numeric_precision integer
numeric_precision_radix integer
numeric_scale integer
start_value character varying
minimum_value character varying
maximum_value character varying
increment character varying
cycle_option character varying(3)`
	columnDefs["pg_catalog.pg_user_mappings"] = `
umid oid
srvid oid
srvname name
umuser oid
usename name
umoptions text[]`
	columnDefs["pg_catalog.pg_amop"] = `
oid oid
amopfamily oid
amoplefttype oid
amoprighttype oid
amopstrategy smallint
amoppurpose "char"
amopopr oid
amopmethod oid
amopsortfamily oid`
	columnDefs["pg_catalog.pg_amproc"] = `
oid oid
amprocfamily oid
amproclefttype oid
amprocrighttype oid
amprocnum smallint
amproc regproc`
}
