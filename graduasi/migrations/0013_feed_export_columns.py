"""What the feed's exports read without computing it per row, kept by graduation_feed_refresh:
`updated_at_text`, the moment as ISO text (formatting it per row was most of PostgreSQL's time in
an export), `referral_pairs`, the CSV's referral cell (read from the JSON per row, it was most of
the rest), and `wilayah_json`, a record's regions as JSON text (five objects built per row were
a third of Python's time in an NDJSON export); and `csv_text(text)`, a text field of the CSV export, which
PostgreSQL writes line by line."""

from importlib import import_module

from django.db import migrations, models

feed = import_module("graduasi.migrations.0012_graduation_feed")

COLUMNS = f"{feed.COLUMNS}, updated_at_text, referral_pairs, wilayah_json"
# {"provinsi": {"code", "name"}, "kabupaten": ..., "kecamatan": ..., "desa": ...}, compact, in
# that order (json_build_object would add spaces; jsonb would reorder the keys). Codes are the
# region tables' keys (digits and dots); names are escaped by to_json.


def wilayah_json(desa: str, p: str, kb: str, kc: str, d: str) -> str:
    """SQL for the regions' JSON from the desa code and the four names."""
    return (
        f"""'{{"provinsi":{{"code":"' || left({desa}, 2) || '","name":' || to_json({p}) || '}},'"""
        f"""\n    || '"kabupaten":{{"code":"' || left({desa}, 5) || '","name":' || to_json({kb})"""
        f""" || '}},'\n    || '"kecamatan":{{"code":"' || left({desa}, 8) || '","name":'"""
        f""" || to_json({kc}) || '}},'\n    || '"desa":{{"code":"' || {desa} || '","name":'"""
        f""" || to_json({d}) || '}}}}'"""
    )


STATUSES = "array_agg(DISTINCT r.status ORDER BY r.status) AS statuses"
assert STATUSES in feed.FROM_WHERE
FROM_WHERE = feed.FROM_WHERE.replace(
    STATUSES,
    f"{STATUSES},\n           string_agg(pr.code || ':' || r.status, '|' ORDER BY r.id) AS pairs",
)

REFRESH_SQL = f"""
CREATE OR REPLACE FUNCTION graduation_feed_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
DELETE FROM graduasi_graduationfeed f
WHERE f.kpm_id = ANY(ids)
  AND NOT EXISTS (SELECT 1 FROM kpm_kpm k WHERE k.id = f.kpm_id AND k.status = 'graduasi');

INSERT INTO graduasi_graduationfeed AS f ({COLUMNS})
SELECT {feed.SELECTED}, iso_utc(k.updated_at), coalesce(r.pairs, ''),
       {wilayah_json("k.desa_id", "p.name", "kb.name", "kc.name", "d.name")}
{FROM_WHERE}
ON CONFLICT (kpm_id) DO UPDATE SET ({COLUMNS}) = ROW(EXCLUDED.*)
WHERE (f.*) IS DISTINCT FROM (EXCLUDED.*);
$$;

UPDATE graduasi_graduationfeed f SET updated_at_text = iso_utc(f.updated_at),
    referral_pairs = coalesce((
        SELECT string_agg(pr.code || ':' || r.status, '|' ORDER BY r.id)
        FROM pemberdayaan_referral r JOIN pemberdayaan_programme pr ON pr.id = r.programme_id
        WHERE r.kpm_id = f.kpm_id), ''),
    wilayah_json = {
    wilayah_json(
        "f.desa_code", "f.provinsi_name", "f.kabupaten_name", "f.kecamatan_name", "f.desa_name"
    )
};

-- A text field of the CSV export (RFC 4180): always quoted, NULL as an empty field. A spreadsheet
-- shows it, never runs it: text starting with = + - @ tab or carriage return gets a leading
-- apostrophe (CSV injection).
CREATE FUNCTION csv_text(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN value IS NULL THEN ''
            WHEN ascii(value) IN (9, 13, 43, 45, 61, 64)
            THEN '"''' || replace(value, '"', '""') || '"'
            ELSE '"' || replace(value, '"', '""') || '"' END
$$;
"""

# Back to 0012's function. Its new columns are still there when this runs (they go after), so it
# sets 0012's columns by name rather than as ROW(EXCLUDED.*).
EXCLUDED = ", ".join(f"EXCLUDED.{c.strip()}" for c in feed.COLUMNS.split(","))
UNDO_SQL = f"""
DROP FUNCTION csv_text(text);
CREATE OR REPLACE FUNCTION graduation_feed_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
DELETE FROM graduasi_graduationfeed f
WHERE f.kpm_id = ANY(ids)
  AND NOT EXISTS (SELECT 1 FROM kpm_kpm k WHERE k.id = f.kpm_id AND k.status = 'graduasi');

INSERT INTO graduasi_graduationfeed AS f ({feed.COLUMNS})
SELECT {feed.SELECTED}
{feed.FROM_WHERE}
ON CONFLICT (kpm_id) DO UPDATE SET ({feed.COLUMNS}) = ROW({EXCLUDED})
WHERE (f.*) IS DISTINCT FROM (EXCLUDED.*);
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("graduasi", "0012_graduation_feed")]

    operations = [
        migrations.AddField(
            model_name="graduationfeed",
            name="updated_at_text",
            field=models.CharField(default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="graduationfeed",
            name="referral_pairs",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="graduationfeed",
            name="wilayah_json",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.RunSQL(REFRESH_SQL, UNDO_SQL),
    ]
