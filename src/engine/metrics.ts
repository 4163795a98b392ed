/**
 * The node's counters, in Prometheus' text format (served by
 * `~hyperbuddy@1.0/metrics`, as HyperBEAM serves its own).
 */
export class NodeMetrics {
  readonly startedAt = Date.now();
  private readonly byStatus = new Map<number, number>();
  private durationSum = 0;
  private durationCount = 0;

  /** Record one answered HTTP request. */
  request(status: number, seconds: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    this.durationSum += seconds;
    this.durationCount += 1;
  }

  get requests(): number {
    return this.durationCount;
  }

  text(): string {
    const lines = [
      '# HELP http_requests_total HTTP requests answered, by status.',
      '# TYPE http_requests_total counter',
      ...[...this.byStatus]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `http_requests_total{status="${status}"} ${n}`),
      '# HELP http_request_duration_seconds Time spent answering HTTP requests.',
      '# TYPE http_request_duration_seconds summary',
      `http_request_duration_seconds_sum ${this.durationSum}`,
      `http_request_duration_seconds_count ${this.durationCount}`,
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${process.memoryUsage.rss()}`,
      '# HELP node_uptime_seconds Seconds since the node started.',
      '# TYPE node_uptime_seconds gauge',
      `node_uptime_seconds ${(Date.now() - this.startedAt) / 1000}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
