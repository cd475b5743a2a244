-- The minimal formula an analyst would write for a month, as the peer that
-- scripts/bench.sh measures tongchou against: per claim, the year's
-- deductible, the ratio by city, category and institution level, and the
-- cap per person, carried in service order from the previous ledger; one
-- row per claim written to CSV. No line rules, no checks, no audit.
-- {data} and {out} are replaced by scripts/bench.sh.
SET preserve_insertion_order = false;
CREATE TEMP TABLE params AS SELECT * FROM (VALUES
  ('wuhan',  'employed', 500, 3500, 0.55, 0.65, 0.75),
  ('wuhan',  'retired',  500, 4000, 0.65, 0.75, 0.85),
  ('shiyan', 'employed', 500, 3000, 0.50, 0.65, 0.80),
  ('shiyan', 'retired',  500, 3000, 0.55, 0.70, 0.85),
  ('ezhou',  'employed', 500, 3000, 0.50, 0.60, 0.70),
  ('ezhou',  'retired',  500, 3500, 0.55, 0.65, 0.75)
) t(city, category, deductible, cap, level3, level2, level1);

COPY (
  WITH lines AS (
    SELECT claim_id, person_id, institution_id, service_time, amount
    FROM read_csv('{data}/claims/*.csv', header = true, all_varchar = true)
  ),
  claims AS (
    SELECT claim_id, any_value(person_id) AS person_id,
           any_value(institution_id) AS institution_id,
           min(service_time) AS service_time,
           sum(CAST(amount AS DECIMAL(18, 2))) AS total
    FROM lines GROUP BY claim_id
  ),
  priced AS (
    SELECT c.*, p.deductible, p.cap,
           CASE i.level WHEN '3' THEN p.level3 WHEN '2' THEN p.level2 ELSE p.level1 END AS ratio,
           coalesce(CAST(l.deductible_met AS DECIMAL(18, 2)), 0) AS met_before,
           coalesce(CAST(l.pool_paid AS DECIMAL(18, 2)), 0) AS paid_before
    FROM claims c
    JOIN read_csv('{data}/members.csv', header = true, all_varchar = true) m USING (person_id)
    JOIN read_csv('{data}/institutions.csv', header = true, all_varchar = true) i USING (institution_id)
    JOIN params p ON p.city = m.city AND p.category = m.category
    LEFT JOIN read_csv('{data}/ledger.csv', header = true, all_varchar = true) l
      ON l.person_id = c.person_id AND l.year = substr(c.service_time, 1, 4)
  ),
  deducted AS (
    SELECT *, least(total, greatest(0, deductible - met_before
             - coalesce(sum(total) OVER w_before, 0))) AS deductible_applied
    FROM priced
    WINDOW w_before AS (PARTITION BY person_id ORDER BY service_time, claim_id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
  ),
  rated AS (
    SELECT *, round((total - deductible_applied) * ratio, 2) AS fund_uncapped FROM deducted
  ),
  capped AS (
    SELECT *, least(fund_uncapped, greatest(0, cap - paid_before
             - coalesce(sum(fund_uncapped) OVER w_before, 0))) AS fund_pay
    FROM rated
    WINDOW w_before AS (PARTITION BY person_id ORDER BY service_time, claim_id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
  )
  SELECT claim_id, person_id, institution_id, total, deductible_applied, ratio,
         fund_pay, total - fund_pay AS member_pay
  FROM capped ORDER BY claim_id
) TO '{out}/payments.csv' (HEADER, DELIMITER ',');
