/*
kind: macro
description: >
  Whether a backorder is open at the end of a day: ordered on or before it and not closed
  (shipped or canceled) by then. The one definition of "open at a date"; call it as
  is_open_at(ordered_date, closed_date, $end) on backorder_lines.
params:
  ordered_date: {help: the line's order date}
  closed_date: {help: the date it shipped or was canceled; null while open}
  day: {help: the date whose end the line is looked at}
*/
ordered_date <= day and (closed_date is null or closed_date > day)
