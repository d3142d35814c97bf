import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Histogram } from 'prom-client';
import { parse as parseYaml } from 'yaml';
import { EngineMetrics } from '../apps/engine/src/observability/engine-metrics';

/**
 * The monitoring pack (docker/monitoring/) names only metrics the engine exports: every metric in a PromQL expression of
 * the Grafana dashboard and of the alert rules is registered by EngineMetrics (histograms with their _bucket, _sum and
 * _count series), or is `up`, which Prometheus writes itself for each target. The engine registers no default
 * (process_*, nodejs_*) metrics, so none may be named. A renamed metric fails here instead of leaving a panel empty or
 * an alert that can never fire.
 */
const ROOT = join(__dirname, '..');
const MONITORING = join(ROOT, 'docker/monitoring');

/** Series Prometheus writes for every scrape target, whatever the target exports. */
const PROMETHEUS_SERIES = new Set(['up']);

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: what is left once strings, label matchers, ranges, Grafana variables,
 * label lists (`by (…)`, `on (…)`…), function names (an identifier followed by `(`), keywords and numbers are set aside.
 */
function metricNames(expression: string): string[] {
  const bare = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    .replace(/\boffset\s+-?\d+[a-z]+/gi, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const before = bare[match.index! - 1] ?? ' ';
    if (/[0-9.]/.test(before)) continue; // the exponent of a number: 1e3
    if (/^\s*\(/.test(bare.slice(match.index! + match[0].length))) continue; // a function or an aggregation
    if (KEYWORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names];
}

/** Every name a scrape of the engine can show: its metrics, and its histograms' series. */
function exportedNames(): Set<string> {
  const names = new Set<string>();
  for (const metric of new EngineMetrics().registry.getMetricsAsArray()) {
    const { name } = (metric as unknown as { name: string });
    names.add(name);
    if (metric instanceof Histogram) for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(join(MONITORING, 'grafana/dashboards/commission-engine.json'), 'utf8')) as { uid: string; panels: Panel[]; templating?: { list: { query?: unknown }[] } };
const rules = parseYaml(readFileSync(join(MONITORING, 'alert-rules.yml'), 'utf8')) as {
  groups: { name: string; rules: { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
};
const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
const dashboardExpressions = panels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
const templateExpressions = (dashboard.templating?.list ?? []).flatMap((v) => (typeof v.query === 'string' ? [{ where: 'a dashboard variable', expr: v.query }] : []));
const ruleExpressions = rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));

describe('the monitoring pack', () => {
  it('finds the metric names of PromQL expressions (and nothing else)', () => {
    expect(metricNames('sum by (topic, code) (rate(engine_dead_letters_total{code="INVALID_DATA",topic=~"a.+"}[$__rate_interval])) * 60 > 1e3')).toEqual(['engine_dead_letters_total']);
    expect(metricNames('histogram_quantile(0.99, sum by (le) (rate(engine_batch_duration_seconds_bucket[5m])))')).toEqual(['engine_batch_duration_seconds_bucket']);
    expect(metricNames('max(engine_outbox_backlog) > 10000 and max(deriv(engine_outbox_backlog[10m] offset 5m)) >= 0')).toEqual(['engine_outbox_backlog']);
    expect(metricNames('sum(rate(a_total[1m])) by (x) / on (x) group_left (y) b unless c == bool 1')).toEqual(['a_total', 'b', 'c']);
    expect(metricNames('up{job="commission-engine"} == 0')).toEqual(['up']);
  });

  it('names only metrics the engine exports, in every dashboard panel and alert rule', async () => {
    const exported = exportedNames();
    const expressions = [...dashboardExpressions, ...templateExpressions, ...ruleExpressions];
    expect(expressions.length).toBeGreaterThan(20);
    const unknown = expressions.flatMap(({ where, expr }) => metricNames(expr).filter((name) => !exported.has(name) && !PROMETHEUS_SERIES.has(name)).map((name) => `${name} (${where})`));
    expect(unknown).toEqual([]);
    // and the registry really is what a scrape shows
    const scraped = await new EngineMetrics().registry.metrics();
    for (const name of ['engine_dead_letters_total', 'engine_payout_orders', 'engine_ready', 'engine_consumer_lag']) expect(scraped).toContain(`# TYPE ${name} `);
  });

  it('shows throughput, lag per topic, transaction time, dead letters by code, parked events, outbox depth and payout orders by status', () => {
    const used = (title: RegExp) => [...new Set(panels(dashboard.panels).filter((p) => title.test(p.title)).flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr))))];
    expect(used(/throughput/i)).toEqual(expect.arrayContaining(['engine_events_consumed_total', 'engine_events_applied_total', 'engine_events_published_total']));
    expect(used(/^Consumer lag per topic$/)).toEqual(['engine_consumer_lag']);
    expect(used(/^Transaction time$/)).toEqual(expect.arrayContaining(['engine_batch_duration_seconds_bucket']));
    expect(used(/^Dead letters by code$/)).toEqual(['engine_dead_letters_total']);
    expect(used(/^Parked events$/)).toEqual(expect.arrayContaining(['engine_parked_events']));
    expect(used(/^Outbox depth$/)).toEqual(['engine_outbox_backlog']);
    expect(used(/^Payout orders by status$/)).toEqual(['engine_payout_orders']);
    const ids = panels(dashboard.panels).map((p: Panel & { id?: number }) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('alerts on growing lag, readiness, parked events and the dead-letter rate, each with a severity and a summary', () => {
    const alerts = rules.groups.flatMap((g) => g.rules);
    const named = (name: string) => alerts.find((a) => a.alert === name)!;
    expect(metricNames(named('CommissionEngineLagGrowing').expr)).toEqual(['engine_consumer_lag']);
    expect(metricNames(named('CommissionEngineNotReady').expr)).toEqual(['engine_ready']);
    expect(metricNames(named('CommissionEngineParkedEvents').expr)).toEqual(['engine_parked_events']);
    expect(metricNames(named('CommissionEngineDeadLetterRate').expr)).toEqual(['engine_dead_letters_total']);
    for (const alert of alerts) {
      expect(alert.labels?.severity).toMatch(/^(critical|warning)$/);
      expect(alert.annotations?.summary).toBeTruthy();
      expect(alert.for).toMatch(/^\d+[smh]$/);
    }
  });

  it('is wired into the compose file: Prometheus scrapes the engine with these rules, Grafana provisions the dashboard', () => {
    const compose = parseYaml(readFileSync(join(ROOT, 'docker/docker-compose.yml'), 'utf8')) as { services: Record<string, { volumes?: string[]; profiles?: string[] }> };
    const mounts = (service: string) => Object.fromEntries((compose.services[service].volumes ?? []).map((v) => v.split(':')).filter(([from]) => from.startsWith('./')).map(([from, to]) => [to, from]));
    const prometheus = parseYaml(readFileSync(join(MONITORING, 'prometheus.yml'), 'utf8')) as {
      rule_files: string[]; scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    const prometheusMounts = mounts('prometheus');
    for (const file of ['/etc/prometheus/prometheus.yml', ...prometheus.rule_files]) {
      expect(prometheusMounts[file]).toBeDefined();
      expect(existsSync(join(ROOT, 'docker', prometheusMounts[file]))).toBe(true);
    }
    expect(prometheusMounts['/etc/prometheus/alert-rules.yml']).toBe('./monitoring/alert-rules.yml');
    const [engineJob] = prometheus.scrape_configs;
    expect(engineJob).toMatchObject({ job_name: 'commission-engine', metrics_path: '/metrics', static_configs: [{ targets: ['engine:3000'] }] });
    for (const { expr } of [...ruleExpressions, ...dashboardExpressions]) {
      for (const job of expr.matchAll(/job="([^"]*)"/g)) expect(job[1]).toBe(engineJob.job_name);
    }

    const grafanaMounts = mounts('grafana');
    expect(grafanaMounts['/etc/grafana/provisioning']).toBe('./monitoring/grafana/provisioning');
    const provider = parseYaml(readFileSync(join(MONITORING, 'grafana/provisioning/dashboards/commission-engine.yml'), 'utf8')) as { providers: { options: { path: string } }[] };
    expect(grafanaMounts[provider.providers[0].options.path]).toBe('./monitoring/grafana/dashboards');
    const datasource = parseYaml(readFileSync(join(MONITORING, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: { uid: string; url: string }[] };
    expect(datasource.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
    type WithSource = { datasource?: { uid?: string }; targets?: WithSource[] };
    const sources = panels(dashboard.panels).flatMap((p) => [p as WithSource, ...((p as WithSource).targets ?? [])]).map((x) => x.datasource?.uid);
    expect(new Set(sources)).toEqual(new Set([datasource.datasources[0].uid])); // every panel and query on the provisioned Prometheus
    for (const service of ['prometheus', 'grafana']) expect(compose.services[service].profiles).toEqual(['monitoring']);
  });
});
