"""The floors of ``manage.py bench``: hand-written SQL over the base rows that returns the
figures a page shows, timed in the same run, so each page's time can be read against
what the database alone needs to work them out from scratch (issue 17, point 4).

A page faster than its floor reads something smaller than the base rows (the monthly
summaries of referrals, the month's returns only); a page much slower than its floor
spends its time in Python or in too many queries. PostgreSQL only, like the bench.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date

from django.db import connection

from departments.periods import Period

# Per department and month, 24 months: received, on time, late (as of today), digital;
# and sent with digital; the days-to-resolve histogram; the pairs for reach.
_COORDINATION = """
WITH months AS (SELECT unnest(%(keys)s::text[]) AS period)
SELECT 'received', to_department_id, period, count(*),
       count(*) FILTER (WHERE resolved_on IS NOT NULL AND resolved_on <= due_on),
       count(*) FILTER (WHERE (resolved_on IS NOT NULL AND resolved_on > due_on)
                        OR (resolved_on IS NULL AND due_on < %(today)s)),
       count(*) FILTER (WHERE channel = 'service')
  FROM departments_referral WHERE period IN (SELECT period FROM months)
 GROUP BY to_department_id, period
UNION ALL
SELECT 'sent', from_department_id, period, count(*), 0, 0,
       count(*) FILTER (WHERE channel = 'service')
  FROM departments_referral WHERE period IN (SELECT period FROM months)
 GROUP BY from_department_id, period
UNION ALL
SELECT 'days', to_department_id, period, resolution_days, count(*), 0, 0
  FROM departments_referral
 WHERE period IN (SELECT period FROM months) AND resolution_days IS NOT NULL
 GROUP BY to_department_id, period, resolution_days
UNION ALL
SELECT DISTINCT 'pair', from_department_id, period, to_department_id, 0, 0, 0
  FROM departments_referral WHERE period IN (SELECT period FROM months)
"""

# Council-wide, 24 months: the same counts over all referrals, and the histogram.
_COUNCIL_COORDINATION = """
SELECT period, count(*),
       count(*) FILTER (WHERE resolved_on IS NOT NULL AND resolved_on <= due_on),
       count(*) FILTER (WHERE (resolved_on IS NOT NULL AND resolved_on > due_on)
                        OR (resolved_on IS NULL AND due_on < %(today)s)),
       count(*) FILTER (WHERE channel = 'service')
  FROM departments_referral WHERE period = ANY(%(keys)s) GROUP BY period
UNION ALL
SELECT period, resolution_days, count(*), 0, 0
  FROM departments_referral
 WHERE period = ANY(%(keys)s) AND resolution_days IS NOT NULL
 GROUP BY period, resolution_days
"""

# SLA outcomes per service and month, 24 months: met, minor, serious, and the credits
# (rounded per result, summed per service) that contract health needs.
_SLA_OUTCOMES = """
SELECT s.service_id, r.period,
       count(*) AS entered,
       count(*) FILTER (WHERE (s.polarity = 'higher'
                               AND coalesce(r.agreed_value, r.reported_value) >= s.expected_level)
                           OR (s.polarity = 'lower'
                               AND coalesce(r.agreed_value, r.reported_value) <= s.expected_level))
         AS met,
       count(*) FILTER (WHERE (s.polarity = 'higher'
                               AND coalesce(r.agreed_value, r.reported_value) < s.minimum_level)
                           OR (s.polarity = 'lower'
                               AND coalesce(r.agreed_value, r.reported_value) > s.minimum_level))
         AS serious,
       sum(CASE WHEN (s.polarity = 'higher'
                      AND coalesce(r.agreed_value, r.reported_value) < s.minimum_level)
                  OR (s.polarity = 'lower'
                      AND coalesce(r.agreed_value, r.reported_value) > s.minimum_level)
                THEN round(sv.monthly_charge * s.credit_percent / 100, 2) ELSE 0 END)
         AS credits
  FROM partnerships_slaresult r
  JOIN partnerships_sla s ON s.id = r.sla_id
  JOIN partnerships_service sv ON sv.id = s.service_id
 WHERE r.period = ANY(%(keys)s)
 GROUP BY s.service_id, r.period
"""

# The month's returns of every indicator rated against its period target, counted per
# department and RAG (monthly indicators: the month; the others are fewer and alike).
_RETURN_RAG = """
SELECT i.department_id,
       CASE WHEN r.value IS NULL OR t.annual_value IS NULL THEN 'not_rated'
            WHEN (i.polarity = 'higher' AND r.value >= p.target)
              OR (i.polarity = 'lower' AND r.value <= p.target) THEN 'green'
            WHEN (i.polarity = 'higher' AND r.value >= p.target - t.tolerance)
              OR (i.polarity = 'lower' AND r.value <= p.target + t.tolerance) THEN 'amber'
            ELSE 'red' END AS rag,
       count(*)
  FROM departments_performanceindicator i
  LEFT JOIN departments_kpireturn r
         ON r.indicator_id = i.id AND r.period = %(month)s
        AND r.state IN ('submitted', 'approved', 'locked')
  LEFT JOIN departments_target t ON t.indicator_id = i.id AND t.financial_year = %(year)s
  CROSS JOIN LATERAL (
      SELECT CASE WHEN i.year_to_date = 'sum' THEN t.annual_value / 12
                  ELSE t.annual_value END AS target) p
 WHERE i.is_active AND i.frequency = 'monthly'
 GROUP BY i.department_id, rag
"""

# A list page: one page of 50 in the page's order, and the count it shows.
_REFERRAL_PAGE = """
SELECT r.*, f.name, t.name FROM departments_referral r
  JOIN departments_department f ON f.id = r.from_department_id
  JOIN departments_department t ON t.id = r.to_department_id
 WHERE r.to_department_id = %(department)s
 ORDER BY r.resolved_on DESC NULLS FIRST, r.due_on, r.id DESC LIMIT 50
"""
_REFERRAL_COUNT = (
    "SELECT count(*) FROM departments_referral WHERE to_department_id = %(department)s"
)

_MONTH_RETURNS = """
SELECT i.*, r.*, t.* FROM departments_performanceindicator i
  LEFT JOIN departments_kpireturn r ON r.indicator_id = i.id AND r.period = %(month)s
  LEFT JOIN departments_target t ON t.indicator_id = i.id AND t.financial_year = %(year)s
 WHERE i.is_active AND i.frequency = 'monthly'
 ORDER BY i.department_id, i.code LIMIT 100
"""


def floors(*, month: Period, months: list[Period], today: date, department_id: int) -> dict:
    """{floor name: the statements (SQL, parameters) it runs}, for the pages' months."""
    keys = [m.key for m in months]
    params = {
        "keys": keys,
        "today": today,
        "month": month.key,
        "year": month.year,
        "department": department_id,
    }
    coordination = [(_COORDINATION, params), (_COUNCIL_COORDINATION, params)]
    health = [(_SLA_OUTCOMES, params)]
    return {
        "coordination": coordination,
        "combined": coordination + health,
        "overview": coordination + health + [(_RETURN_RAG, params)],
        "partnership": health,
        "referrals list": [(_REFERRAL_PAGE, params), (_REFERRAL_COUNT, params)],
        "returns of a month": [(_MONTH_RETURNS, params)],
    }


def time_floor(statements: list[tuple[str, dict]], repeat: int = 5) -> float:
    """The median time in milliseconds of running every statement once, rows fetched."""

    def run() -> None:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()

    return _median_ms(run, repeat)


def _median_ms(run: Callable[[], None], repeat: int) -> float:
    run()  # the first run reads the pages into the database's cache, as a page's would
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings)
