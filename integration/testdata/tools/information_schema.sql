-- information_schema's columns, routines, parameters and enabled_roles read
-- whole, as tools that list a table's columns or the functions (DBeaver's
-- and DataGrip's procedure browsers, Grafana's column picker) read them.
-- The catalog columns name the database, which differs; a view's column is
-- not updatable on DriftDB (it writes no view), so big_orders is left out.
-- The format of this file is described in tools_test.go.
-- protocol: simple

-- every column of the user's tables
-- compare: table_schema, table_name, column_name, ordinal_position, column_default, is_nullable, data_type, character_maximum_length, character_octet_length, numeric_precision, numeric_precision_radix, numeric_scale, datetime_precision, interval_type, interval_precision, character_set_schema, character_set_name, collation_schema, collation_name, domain_schema, domain_name, udt_schema, udt_name, scope_schema, scope_name, maximum_cardinality, dtd_identifier, is_self_referencing, is_identity, identity_generation, identity_start, identity_increment, identity_maximum, identity_minimum, identity_cycle, is_generated, generation_expression, is_updatable
SELECT * FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'big_orders' ORDER BY table_name, ordinal_position;

-- functions both have, by their specific names (PostgreSQL's OIDs): their
-- routine_definition (prosrc) is the C function's name on PostgreSQL
-- compare: specific_schema, specific_name, routine_schema, routine_name, routine_type, module_schema, module_name, udt_schema, udt_name, data_type, character_maximum_length, character_octet_length, character_set_schema, character_set_name, collation_schema, collation_name, numeric_precision, numeric_precision_radix, numeric_scale, datetime_precision, interval_type, interval_precision, type_udt_schema, type_udt_name, scope_schema, scope_name, maximum_cardinality, dtd_identifier, routine_body, external_name, external_language, parameter_style, is_deterministic, sql_data_access, is_null_call, sql_path, schema_level_routine, max_dynamic_result_sets, is_user_defined_cast, is_implicitly_invocable, security_type, to_sql_specific_schema, to_sql_specific_name, as_locator, created, last_altered, new_savepoint_level, is_udt_dependent, result_cast_from_data_type, result_cast_as_locator, result_cast_char_max_length, result_cast_char_octet_length, result_cast_char_set_schema, result_cast_char_set_name, result_cast_collation_schema, result_cast_collation_name, result_cast_numeric_precision, result_cast_numeric_precision_radix, result_cast_numeric_scale, result_cast_datetime_precision, result_cast_interval_type, result_cast_interval_precision, result_cast_type_udt_schema, result_cast_type_udt_name, result_cast_scope_schema, result_cast_scope_name, result_cast_maximum_cardinality, result_cast_dtd_identifier
-- only: specific_name in abs_1397, abs_1396, lower_870, make_interval_3464, now_1299, count_2147, count_2803, unnest_2331, json_each_3958, generate_series_1067, date_trunc_1217, jsonb_set_3305, string_agg_3538, pg_get_keywords_1686
SELECT * FROM information_schema.routines ORDER BY specific_name;

-- their parameters (PostgreSQL names some DriftDB does not)
-- compare: specific_schema, specific_name, ordinal_position, parameter_mode, is_result, as_locator, data_type, character_maximum_length, character_octet_length, character_set_schema, character_set_name, collation_schema, collation_name, numeric_precision, numeric_precision_radix, numeric_scale, datetime_precision, interval_type, interval_precision, udt_schema, udt_name, scope_schema, scope_name, maximum_cardinality, dtd_identifier, parameter_default
-- only: specific_name in abs_1397, abs_1396, lower_870, make_interval_3464, now_1299, count_2147, count_2803, unnest_2331, json_each_3958, generate_series_1067, date_trunc_1217, jsonb_set_3305, string_agg_3538, pg_get_keywords_1686
SELECT * FROM information_schema.parameters ORDER BY specific_name, ordinal_position;

-- the roles (PostgreSQL's superuser is a member of every predefined role)
-- compare: role_name
-- only: role_name in pg_database_owner
SELECT * FROM information_schema.enabled_roles ORDER BY role_name;
