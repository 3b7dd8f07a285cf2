"""manage.py export_appointments --from YYYY-MM-DD --to YYYY-MM-DD [--with-results] [--codes] [--room ID]
[--radiologist ID] [--output FILE]

The same CSV as the download under /reports/export/, made by the same function (procedures.exports.selectors
.csv_lines), written a line at a time to stdout or to FILE. Without --with-results it is a scheduler's export: no
result columns. --codes writes choices as their stored codes ("no_show") instead of their labels ("Did not attend").
"""

from django.core.management.base import BaseCommand, CommandError

from procedures.exports.selectors import ExportRangeError, csv_lines, parse_range
from procedures.params import parse_day


class Command(BaseCommand):
    help = "Write the appointments starting on the clinic days FROM to TO (inclusive) as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--with-results", action="store_true", help="Add the result's columns.")
        parser.add_argument("--codes", action="store_true", help="Choices as stored codes, not as labels.")
        parser.add_argument("--room", type=int, metavar="ID", help="Only this room's appointments.")
        parser.add_argument("--radiologist", type=int, metavar="ID", help="Only this radiologist's appointments.")
        parser.add_argument("--output", metavar="FILE", help="Write here instead of to stdout.")

    def handle(self, *, first, last, with_results, codes, room, radiologist, output, **options):
        try:
            first, last = parse_range(parse_day(first), parse_day(last))
        except ExportRangeError as problem:
            raise CommandError(str(problem)) from None
        lines = csv_lines(first, last, with_results=with_results, codes=codes, room_id=room, radiologist_id=radiologist)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as out:
                out.writelines(lines)
        else:
            for line in lines:
                self.stdout.write(line, ending="")
