"""CJK search: titles, tags, store names and descriptions are indexed through directory_search_text().

The function spells each run of Chinese, Japanese or Korean characters out as its single characters and overlapping
pairs ("手工陶瓷茶杯" → 手 工 陶 瓷 茶 杯 手工 工陶 陶瓷 瓷茶 茶杯) and leaves other text as it is, so the word-based
text search finds a product by any run of characters of its title (docs/directory.md). Its character ranges are
platform.kit.cjk.CJK_CHARACTERS. A generated column can't be altered in place on PostgreSQL 15: the search column and
its two indexes are dropped and made again (the table is rewritten once).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.functions.math
import django.db.models.lookups
from django.db import migrations, models

CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"

CREATE_FUNCTION = rf"""
CREATE OR REPLACE FUNCTION directory_search_text(doc text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  piece text;
  words text[] := '{{}}';
BEGIN
  -- Most text has no CJK character at all: one regular-expression test, and it is indexed as it is.
  IF doc !~ '[{CJK}]' THEN
    RETURN doc;
  END IF;
  FOR piece IN SELECT m[1] FROM regexp_matches(doc, '[{CJK}]+|[^{CJK}]+', 'g') AS m LOOP
    IF piece ~ '^[{CJK}]' THEN
      FOR i IN 1 .. length(piece) LOOP
        words := words || substr(piece, i, 1);
      END LOOP;
      FOR i IN 1 .. length(piece) - 1 LOOP
        words := words || substr(piece, i, 2);
      END LOOP;
    ELSE
      words := words || piece;
    END IF;
  END LOOP;
  RETURN array_to_string(words, ' ');
END
$fn$
"""

SAMPLE = models.Q(
    ("visible", True),
    django.db.models.lookups.Exact(
        django.db.models.functions.math.Mod(
            models.Func(models.F("id"), function="hashint8"), 32, output_field=models.IntegerField()
        ),
        0,
    ),
)


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0002_search_indexes'),
    ]

    operations = [
        migrations.RunSQL(CREATE_FUNCTION, "DROP FUNCTION IF EXISTS directory_search_text(text)"),
        migrations.RemoveIndex(model_name='listing', name='directory_listing_text_tags'),
        migrations.RemoveIndex(model_name='listing', name='directory_listing_sample'),
        migrations.RemoveField(model_name='listing', name='search'),
        migrations.AddField(
            model_name='listing',
            name='search',
            field=models.GeneratedField(db_persist=True, expression=django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector(models.Func(models.F('title'), function='directory_search_text', output_field=models.TextField()), config='english', weight='A'), '||', django.contrib.postgres.search.SearchVector(models.Func(models.F('tags_text'), function='directory_search_text', output_field=models.TextField()), config='english', weight='B'), django.contrib.postgres.search.SearchConfig('english')), '||', django.contrib.postgres.search.SearchVector(models.Func(models.F('store_name'), function='directory_search_text', output_field=models.TextField()), config='english', weight='C'), django.contrib.postgres.search.SearchConfig('english')), '||', django.contrib.postgres.search.SearchVector(models.Func(models.F('description'), function='directory_search_text', output_field=models.TextField()), config='english', weight='D'), django.contrib.postgres.search.SearchConfig('english')), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddIndex(
            model_name='listing',
            index=django.contrib.postgres.indexes.GinIndex(condition=models.Q(('visible', True)), fields=['search', 'tags'], name='directory_listing_text_tags'),
        ),
        migrations.AddIndex(
            model_name='listing',
            index=django.contrib.postgres.indexes.GinIndex(condition=SAMPLE, fields=['search', 'tags'], name='directory_listing_sample'),
        ),
    ]
