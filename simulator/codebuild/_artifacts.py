"""After the phases: report groups read, the cache kept, and artifacts zipped into S3."""

from __future__ import annotations

from pathlib import Path

from simulator._buildspec_model import COVERAGE_REPORT_FORMATS, ArtifactSpec, ReportSpec
from simulator.codebuild._files import Selection, make_zip, select, unzip_into
from simulator.codebuild._log import BuildLog
from simulator.codebuild._records import ArtifactRecord, BuildFailed, BuildOptions
from simulator.codebuild._reports import MAX_REPORT_BYTES, ReportSummary, parse_report_file
from simulator.codebuild._shell import Shells
from simulator.codebuild._spec import Buildspec
from simulator.sandbox import SRC_DIR, read_file
from simulator.world import MAX_OBJECT_BYTES, World


class Artifacts:
    """The project's bucket: artifacts uploaded to it, the cache restored from it and saved."""

    def __init__(
        self, work: Path, world: World, options: BuildOptions, log: BuildLog, shells: Shells
    ) -> None:
        self.work = work
        self.world = world
        self.o = options
        self.log = log
        self.shells = shells
        self.records: list[ArtifactRecord] = []  # kept as each one is uploaded

    def bucket(self) -> str:
        name = self.o.artifact_bucket or f"codebuild-artifacts-{self.world.account_id}"
        self.world.s3_create_bucket(name)  # the project's artifact bucket (no-op if it exists)
        return name

    def upload(self, spec: Buildspec, build_arn: str) -> None:
        for artifact in spec.artifacts:
            self._upload(artifact, build_arn)

    def _upload(self, artifact: ArtifactSpec, build_arn: str) -> None:
        label = artifact.identifier or "primary"
        self.log.container(f"Expanding base directory path: {artifact.base_directory or '.'}")
        self.log.container("Assembling file list")
        try:
            chosen = select(
                self.work,
                artifact.files,
                base_directory=artifact.base_directory,
                discard_paths=artifact.discard_paths,
                exclude_paths=artifact.exclude_paths,
                keep_symlinks=artifact.enable_symlinks,
            )
        except OverflowError as exc:
            raise BuildFailed("CLIENT_ERROR", str(exc)) from exc
        for pattern in artifact.files:
            self.log.container(f"Expanding {pattern}")
        for note in chosen.skipped:
            self.log.container(f"Skipping {note}")
        count = len(chosen.files) + len(chosen.links)
        if artifact.base_directory and not chosen.base_dirs:
            raise BuildFailed(
                "CLIENT_ERROR",
                f"no matching base directory path found for {artifact.base_directory}",
            )
        if count == 0:
            raise BuildFailed(
                "CLIENT_ERROR", f"no matching artifact paths found ({label} artifact)"
            )
        self.log.container(f"Found {count} file(s)")
        try:
            data = make_zip(self.work, chosen, max_bytes=MAX_OBJECT_BYTES)
        except ValueError as exc:
            raise BuildFailed("CLIENT_ERROR", f"artifact {label}: {exc}") from exc
        name = self.name(artifact.name) or (artifact.identifier or self.o.project_name)
        bucket = self.bucket()
        prefix = artifact.s3_prefix.strip("/")
        key = "/".join(p for p in (prefix, self.o.project_name, artifact.identifier, name) if p)
        key = key if key.endswith(".zip") else f"{key}.zip"
        self.world.s3_put(bucket, key, data, metadata={"codebuild-buildarn": build_arn})
        files = sorted([n for _p, n in chosen.files] + [n for _p, n, _t in chosen.links])
        self.records.append(ArtifactRecord(artifact.identifier, name, bucket, key, files, data))

    def name(self, raw: str) -> str:
        """The artifact name with the shell's variables expanded (`app-$VERSION`)."""
        if not raw:
            return ""
        session = self.shells.live
        if not any(ch in raw for ch in "$`") or session is None:
            return raw
        lines: list[str] = []
        escaped = raw.replace("\\", "\\\\").replace('"', '\\"')
        outcome = session.run(f'printf "%s\\n" "{escaped}"', on_line=lines.append)
        return lines[0].strip("/") if outcome.succeeded and lines else raw

    def _cache_key(self, spec: Buildspec) -> str:
        key = spec.cache.key if spec.cache else ""
        return f"{self.o.project_name}/cache/{key}.zip"

    def restore_cache(self, spec: Buildspec) -> None:
        if not spec.cache_paths:
            return
        bucket = self.o.artifact_bucket or f"codebuild-artifacts-{self.world.account_id}"
        stored = self.world.buckets.get(bucket)
        key = self._cache_key(spec)
        if stored is not None and key in stored.objects:
            try:
                data = self.world.s3_get(bucket, key)
                count = unzip_into(data, self.work, max_bytes=MAX_OBJECT_BYTES)
            except ValueError as exc:
                self.log.container(f"Cache s3://{bucket}/{key} not restored: {exc}")
                return
            self.log.container(f"Restored {count} cached file(s) from s3://{bucket}/{key}")
            self.world.record("codebuild.cache_restore", bucket=bucket, key=key, files=count)

    def save_cache(self, spec: Buildspec) -> None:
        if not spec.cache_paths:
            return
        inside = tuple(
            p for p in spec.cache_paths if not p.startswith("/") or p.startswith(SRC_DIR)
        )
        for path in spec.cache_paths:
            if path not in inside:
                self.log.container(
                    f"Cache path {path} is outside the source directory: not cached "
                    "by the simulator"
                )
        if not inside:
            return
        try:
            chosen = select(self.work, inside)
            if not chosen.files:
                return
            data = make_zip(self.work, chosen, max_bytes=MAX_OBJECT_BYTES)
        except (ValueError, OverflowError) as exc:  # a tree past the limits, a vanished file
            self.log.container(f"Cache not saved: {exc}")
            return
        self.world.s3_put(self.bucket(), self._cache_key(spec), data)
        self.log.container(f"Saved {len(chosen.files)} file(s) to the cache")


def collect_reports(
    work: Path, reports: tuple[ReportSpec, ...], log: BuildLog
) -> list[ReportSummary]:
    """Read each report group's files into a summary (problems noted, never raised)."""
    found: list[ReportSummary] = []
    for report in reports:
        kind = "CODE_COVERAGE" if report.file_format in COVERAGE_REPORT_FORMATS else "TEST"
        summary = ReportSummary(report.group, report.file_format, kind)
        try:
            chosen = select(
                work,
                report.files,
                base_directory=report.base_directory,
                discard_paths=report.discard_paths,
            )
        except OverflowError as exc:  # TreeLimit: too many entries, too deep, too slow
            chosen = Selection()
            summary.problems.append(str(exc))
        if not chosen.files:
            summary.problems.append("no report files matched")
        for tree_path, _name in chosen.files:
            try:
                data = read_file(work, tree_path, max_bytes=MAX_REPORT_BYTES)
            except (ValueError, OSError) as exc:
                summary.problems.append(f"{tree_path}: {exc}")
                continue
            parse_report_file(summary, tree_path, data)
        summary.finish()
        _log_report(log, report.group, kind, summary)
        found.append(summary)
    return found


def _log_report(log: BuildLog, group: str, kind: str, summary: ReportSummary) -> None:
    if kind == "TEST":
        log.container(
            f"Report group {group}: {summary.status}: {summary.total} tests, "
            f"{summary.passed} passed, {summary.failed} failed, {summary.errors} errors, "
            f"{summary.skipped} skipped"
        )
    else:
        coverage = "unknown" if summary.line_coverage is None else f"{summary.line_coverage}%"
        log.container(f"Report group {group}: line coverage {coverage}")
    for problem in summary.problems:
        log.container(f"Report group {group}: {problem}")
