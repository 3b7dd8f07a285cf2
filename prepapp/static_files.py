"""Static files in production: whitenoise's compressed copies under names hashed from their content, which browsers
may keep for a year (CompressedManifestStaticFilesStorage), with one change: the source maps the vendored files
name are not looked for. They are not vendored (static/vendor/README.md), Django's storage would fail collectstatic
on them, and browsers only ask for them with developer tools open; the comments naming them stay as they are."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _names_a_source_map(pattern: str | tuple[str, str]) -> bool:
    return "sourceMappingURL" in (pattern[0] if isinstance(pattern, tuple) else pattern)


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple(
        (files, tuple(pattern for pattern in patterns if not _names_a_source_map(pattern)))
        for files, patterns in CompressedManifestStaticFilesStorage.patterns
    )
