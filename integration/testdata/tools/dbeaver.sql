-- DBeaver Community 24.2.4 (dbeaver/dbeaver at 2428359b), PostgreSQL driver
-- plugins/org.jkiss.dbeaver.ext.postgresql, through pgjdbc: extended
-- protocol, OIDs bound as int8 (setLong) and names as varchar (setString).
-- The format of this file is described in tools_test.go.
-- protocol: extended

-- model/PostgreDataSource.java: readDatabaseServerVersion
-- expect: PostgreSQL
SELECT version();

-- model/PostgreDatabase.java: readDatabaseInfo (the connected database)
-- args: varchar {db}
-- compare: datistemplate, datallowconn, encoding
SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE datname=$1;

-- model/PostgreDataSource.java: prepareReadDatabaseListStatement (the
-- reference server's other databases make the lists differ)
-- args: varchar {db}
-- expect: datname
SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE 1 = 1 AND datallowconn AND NOT datistemplate OR db.datname =$1
ORDER BY db.datname;

-- model/PostgreDataSource.java: initialize (current database)
-- compare: none
SELECT current_database();

-- model/PostgreExecutionContext.java: refreshDefaults
-- compare: current_schema
SELECT current_schema(),session_user;

-- model/PostgreExecutionContext.java: refreshDefaults
-- compare: *
SHOW search_path;

-- model/PostgreDataSource.java: settingCache (standard_conforming_strings)
-- args: varchar standard_conforming_strings
-- compare: name, setting, vartype
select * from pg_catalog.pg_settings where name=$1;

-- model/PostgreDatabase.java: readDatabaseInfo (database comment)
-- args: varchar {db}
-- compare: *
select description from pg_shdescription join pg_database on objoid = pg_database.oid where datname = $1;

-- model/PostgreDatabase.java: SchemaCache (PostgreSQL's built-in schemas
-- have comments, DriftDB's none)
-- only: nspname in public, pg_catalog, information_schema
-- compare: nspname
SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass
 ORDER BY nspname;

-- model/PostgreDatabase.java: RoleCache
-- expect: rolname
SELECT a.oid,a.*,pd.description FROM pg_catalog.pg_roles a 
left join pg_catalog.pg_shdescription pd on a.oid = pd.objoid
ORDER BY a.rolname;

-- model/PostgreDatabase.java: AccessMethodCache
-- only: amname in btree
-- compare: amname, amtype
SELECT am.oid,am.* FROM pg_catalog.pg_am am 
ORDER BY am.oid;

-- model/PostgreDatabase.java: readDataTypes (all schemas' types at connect)
-- only: typname in int4, int8, text, varchar, numeric, timestamptz, bool, _int4, _text
-- compare: oid, typname, typtype, typcategory, typlen, typelem, typarray, relkind, base_type_name
SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as base_type_name, d.description
FROM pg_catalog.pg_type t
LEFT OUTER JOIN pg_catalog.pg_type et ON et.oid=t.typelem 
LEFT OUTER JOIN pg_catalog.pg_class c ON c.oid=t.typrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid
WHERE t.typname IS NOT NULL
AND (c.relkind IS NULL OR c.relkind = 'c') AND (et.typcategory IS NULL OR et.typcategory <> 'C');

-- model/PostgreDataTypeCache.java: getDataType by OID
-- args: int8 23
-- compare: typname, typtype, typlen, relkind, base_type_name
SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as base_type_name FROM pg_catalog.pg_type t
LEFT OUTER JOIN pg_class c ON c.oid=t.typrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid
WHERE t.oid=$1 ;

-- model/PostgreDatabase.java: CollationCache
-- only: collname in default, C, POSIX
-- compare: collname
SELECT c.oid,c.* FROM pg_catalog.pg_collation c 
ORDER BY c.oid;

-- model/PostgreDatabase.java: LanguageCache
-- only: lanname in internal, c, sql
-- compare: lanname, lanispl
SELECT l.oid,l.* FROM pg_catalog.pg_language l 
ORDER BY l.oid;

-- model/PostgreSchema.java: TableCache (relations of a schema)
-- args: int8 {nsp:public}
-- compare: relname, relkind, relhasindex, relpersistence, relnatts, relispartition, description, partition_expr, partition_key
SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid) as partition_expr,  pg_catalog.pg_get_partkeydef(c.oid) as partition_key 
FROM pg_catalog.pg_class c
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_class'::regclass
WHERE c.relnamespace=$1 AND c.relkind not in ('i','I','c');

-- model/PostgreSchema.java: TableCache (one relation by name)
-- args: int8 {nsp:public}, varchar orders
-- compare: relname, relkind, relnatts
SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid) as partition_expr,  pg_catalog.pg_get_partkeydef(c.oid) as partition_key 
FROM pg_catalog.pg_class c
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_class'::regclass
WHERE c.relnamespace=$1 AND c.relkind not in ('i','I','c') AND relname=$2;

-- model/PostgreSchema.java: TableCache children (columns of a schema's
-- relations; the system columns, attnum < 0, are DriftDB's own: _seq,
-- _ts, _doc, _event, not PostgreSQL's ctid, xmin...)
-- args: int8 {nsp:public}
-- only: attname in id, email, name, created, customer_id, total, note, last_value, log_cnt, is_called
-- compare: relname, attname, atttypid, attnum, attlen, atttypmod, attnotnull, atthasdef, attidentity, attgenerated, def_value, description
SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid
WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.relnamespace=$1
ORDER BY a.attnum;

-- model/PostgreSchema.java: TableCache children (columns of one table;
-- the user columns are compared)
-- args: int8 {oid:customers}
-- only: attname in id, email, name, created
-- compare: relname, attname, atttypid, attnum, atttypmod, attnotnull, atthasdef, def_value
SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid
WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.oid=$1
ORDER BY a.attnum;

-- model/PostgreSchema.java: ConstraintCache (constraints of a schema)
-- args: int8 {nsp:public}
-- compare: conname, contype, tabrelname, refnamespace, condeferrable, conkey, confkey, consrc_copy, description
SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace,d.description, case when c.contype='c' then "substring"(pg_get_constraintdef(c.oid), 7) else null end consrc_copy
FROM pg_catalog.pg_constraint c
INNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid
LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_constraint'::regclass
WHERE t.relnamespace=$1
ORDER BY c.oid;

-- model/PostgreSchema.java: ConstraintCache (constraints of one table)
-- args: int8 {oid:customers}
-- compare: conname, contype, tabrelname, conkey, consrc_copy
SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace,d.description, case when c.contype='c' then "substring"(pg_get_constraintdef(c.oid), 7) else null end consrc_copy
FROM pg_catalog.pg_constraint c
INNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid
LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_constraint'::regclass
WHERE c.conrelid=$1
ORDER BY c.oid;

-- model/PostgreSchema.java: IndexCache (indexes of a schema; sizes are
-- the storage's own and not compared)
-- args: int8 {nsp:public}
-- compare: relname, tabrelname, indnatts, indnkeyatts, indisunique, indisprimary, indisexclusion, indimmediate, indisvalid, keys, indoption, pred_expr, expr, index_num_scans
SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,c.reltablespace,tc.relname as tabrelname,dsc.description,pg_catalog.pg_get_expr(i.indpred, i.indrelid) as pred_expr,pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr,pg_catalog.pg_relation_size(i.indexrelid) as index_rel_size,pg_catalog.pg_stat_get_numscans(i.indexrelid) as index_num_scans
FROM pg_catalog.pg_index i
INNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid
INNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid
LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid
WHERE  c.relnamespace=$1 ORDER BY c.relname;

-- model/PostgreSchema.java: IndexCache (indexes of one table)
-- args: int8 {oid:orders}
-- compare: relname, tabrelname, indnatts, indisunique, indisprimary, keys, pred_expr, expr
SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,c.reltablespace,tc.relname as tabrelname,dsc.description,pg_catalog.pg_get_expr(i.indpred, i.indrelid) as pred_expr,pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr,pg_catalog.pg_relation_size(i.indexrelid) as index_rel_size,pg_catalog.pg_stat_get_numscans(i.indexrelid) as index_num_scans
FROM pg_catalog.pg_index i
INNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid
INNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid
LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid
WHERE  i.indrelid=$1 ORDER BY c.relname;

-- model/PostgreSchema.java: IndexCache, one index column's expression
-- args: int8 {oid:orders_customer}, int4 1
-- compare: *
select pg_catalog.pg_get_indexdef($1, $2, true);

-- model/PostgreSchema.java: ProceduresCache (functions of a schema)
-- args: int8 {nsp:public}
-- compare: *
SELECT p.oid as poid,p.*,pg_catalog.pg_get_expr(p.proargdefaults, 0) as arg_defaults,d.description
FROM pg_catalog.pg_proc p
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=p.oid and d.classoid='pg_proc'::regclass  AND d.objsubid = 0
WHERE p.pronamespace=$1
ORDER BY p.proname;

-- model/PostgreSequence.java: loadAdditionalInfo
-- args: varchar public, varchar invoice_no
-- compare: schemaname, sequencename, data_type, start_value, min_value, max_value, increment_by, cycle, cache_size, last_value
SELECT * from pg_catalog.pg_sequences WHERE schemaname=$1 AND sequencename=$2;

-- model/PostgreViewBase.java: readDefinition (the view's OID is spliced
-- in). DriftDB keeps a view's query in its own normalized text, as
-- pg_views.definition shows it: not PostgreSQL's pretty-printed form.
-- expect: orders, total
SELECT pg_get_viewdef({oid:big_orders}, true);

-- model/PostgreDatabase.java: EncodingCache (DriftDB speaks UTF8 only and
-- has no conversions: the list is empty)
SELECT c.contoencoding as encid,pg_catalog.pg_encoding_to_char(c.contoencoding) as encname
FROM pg_catalog.pg_conversion c
GROUP BY c.contoencoding
ORDER BY 2;

-- The data editor reads a table's rows; its result set metadata then asks
-- for each column's source table and number (RowDescription).
-- fields
-- compare: *
SELECT t.* FROM public.customers t
LIMIT 200;

-- pgjdbc PgResultSetMetaData.fetchFieldMetaData for those columns (the
-- table's OID and the column numbers from RowDescription are spliced in)
-- compare: attnum, attname, relname, nspname, ?column?
SELECT c.oid, a.attnum, a.attname, c.relname, n.nspname, a.attnotnull OR (t.typtype = 'd' AND t.typnotnull), a.attidentity != '' OR pg_catalog.pg_get_expr(d.adbin, d.adrelid) LIKE '%nextval(%' FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON (c.relnamespace = n.oid) JOIN pg_catalog.pg_attribute a ON (c.oid = a.attrelid) JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid) LEFT JOIN pg_catalog.pg_attrdef d ON (d.adrelid = a.attrelid AND d.adnum = a.attnum) JOIN (SELECT {oid:customers} AS oid , 1 AS attnum UNION ALL SELECT {oid:customers}, 2 UNION ALL SELECT {oid:customers}, 3 UNION ALL SELECT {oid:customers}, 4) vals ON (c.oid = vals.oid AND a.attnum = vals.attnum) ;

-- The data editor on a view and on a join
-- fields
-- compare: *
SELECT t.* FROM public.big_orders t
LIMIT 200;

-- fields
-- compare: *
SELECT o.id, o.total, c.email, o.total * 2 AS double_total FROM orders o JOIN customers c ON c.id = o.customer_id;
