import { huntingCatalogue } from '../catalogue/hunting-tables.js'
import { dialectFor } from './dialect.js'

/**
 * DDL of the hunting tables as this engine expects them (the catalogue columns plus a leading
 * "TenantId"). The product's tables come from src/schema (Helper 1); this copy is for the engine's own
 * tests and benchmarks, and documents the storage contract.
 */
export function huntingTableDdl(dialectName: 'duckdb' | 'postgres'): string {
  const d = dialectFor(dialectName)
  return Object.entries(huntingCatalogue.tables)
    .map(([name, t]) => {
      const cols = [
        `"TenantId" ${d.types.string} NOT NULL`,
        ...t.columns.map(([c, ty]) => `"${c}" ${d.types[ty]}`),
      ]
      return `CREATE TABLE IF NOT EXISTS "${name}" (${cols.join(', ')});`
    })
    .join('\n')
}

/**
 * PostgreSQL helper functions the generated SQL calls (try-casts and lenient JSON parsing, which
 * PostgreSQL lacks). Installed by the hunting module's migration; idempotent.
 */
export const pgHelperFunctionsSql = `
CREATE OR REPLACE FUNCTION bulwark_parse_json(t text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF t IS NULL THEN RETURN NULL; END IF;
  RETURN t::jsonb;
EXCEPTION WHEN others THEN
  RETURN to_jsonb(t);
END $$;
CREATE OR REPLACE FUNCTION bulwark_try_bigint(t text) RETURNS bigint LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN trim(t)::numeric::bigint;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION bulwark_try_int(t text) RETURNS integer LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN trim(t)::numeric::integer;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION bulwark_try_double(t text) RETURNS double precision LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN trim(t)::double precision;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION bulwark_try_timestamp(t text) RETURNS timestamp LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN (trim(t)::timestamptz AT TIME ZONE 'UTC');
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION bulwark_try_bool(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN CASE lower(trim(t)) WHEN 'true' THEN true WHEN 'false' THEN false WHEN '1' THEN true WHEN '0' THEN false END;
END $$;
CREATE OR REPLACE FUNCTION bulwark_try_text(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT t $$;
CREATE OR REPLACE FUNCTION bulwark_base64_decode(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE b bytea; h text;
BEGIN
  b := decode(t, 'base64');
  IF position('\\x00'::bytea in b) = 0 THEN RETURN convert_from(b, 'UTF8'); END IF;
  -- text cannot hold NUL: drop NUL bytes (UTF-16LE payloads), as the DuckDB template does
  h := encode(b, 'hex');
  SELECT string_agg(x, '' ORDER BY i) INTO h
    FROM (SELECT i, substr(h, 2 * i + 1, 2) AS x FROM generate_series(0, length(h) / 2 - 1) AS i) AS s
    WHERE x <> '00';
  RETURN convert_from(decode(coalesce(h, ''), 'hex'), 'UTF8');
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION bulwark_url_decode(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE r bytea := ''::bytea; i int := 1; c text;
BEGIN
  IF t IS NULL THEN RETURN NULL; END IF;
  WHILE i <= length(t) LOOP
    c := substr(t, i, 1);
    IF c = '%' AND i + 2 <= length(t) THEN
      r := r || decode(substr(t, i + 1, 2), 'hex'); i := i + 3;
    ELSIF c = '+' THEN r := r || convert_to(' ', 'UTF8'); i := i + 1;
    ELSE r := r || convert_to(c, 'UTF8'); i := i + 1;
    END IF;
  END LOOP;
  RETURN convert_from(r, 'UTF8');
EXCEPTION WHEN others THEN
  RETURN t;
END $$;
`
