import { useEffect, useEffectEvent, useState } from 'react';
import type { ReportMinute, SaleReportAnswer } from '@flashsale/common/contract';
import type { ApiResult } from '../shared/http';
import { adminFailureMessage, fetchCsv, fetchReport, type CsvFile } from './admin-api';
import { CallStatus } from './CallStatus';
import { percent } from './Counters';
import { browserTimeZone, readableInstant } from './local-time';
import { TopNetworks } from './AbuseFigures';
import { Figure } from './Figure';
import { OutcomeTable } from './Outcomes';
import { ReportChart } from './ReportChart';
import { MINUTE_FIGURES, minuteOfDay, minuteTotals, nothingHappened, STATUS_WORDS, waitText, type MinuteCounts } from './report';
import { useAdminCall, type CallMessage } from './use-admin-call';

interface Props {
  adminToken: string;
  /** The zone the times are read in: the browser's, unless a test pins one. */
  timeZone?: string;
  onUnauthorized: () => void;
}

/**
 * The sale's story from GET /api/admin/report, read when the console opens and again on Refresh
 * only: it sums the whole sale, so it is not polled like the live counters.
 */
export function SaleReport({ adminToken, timeZone = browserTimeZone(), onUnauthorized }: Props) {
  const [report, setReport] = useState<SaleReportAnswer | null>(null);
  const [reading, setReading] = useState(true);
  const [readMessage, setReadMessage] = useState<CallMessage | null>(null);
  const downloading = useAdminCall(onUnauthorized);

  // A refused read keeps the last report on screen, with the problem said above it.
  function show(result: ApiResult<SaleReportAnswer>) {
    setReading(false);
    if (result.ok) {
      setReport(result.body);
      setReadMessage({ kind: 'done', text: `Report as of ${new Date().toLocaleTimeString('en-GB', { timeZone })}.` });
    } else if (result.code === 'unauthorized') {
      onUnauthorized();
    } else {
      setReadMessage({ kind: 'problem', text: adminFailureMessage(result) });
    }
  }
  const showOnOpen = useEffectEvent(show);

  useEffect(() => {
    let closed = false;
    void fetchReport(adminToken).then((result) => {
      if (!closed) showOnOpen(result);
    });
    return () => {
      closed = true;
    };
  }, [adminToken]);

  async function refresh() {
    setReading(true);
    show(await fetchReport(adminToken));
  }

  async function download(file: CsvFile) {
    const text = await downloading.call(() => fetchCsv(adminToken, file), `Downloaded ${file}.`);
    if (text !== null) saveFile(file, text);
  }

  return (
    <section aria-labelledby="report-heading">
      <h2 id="report-heading">Report</h2>
      <div className="admin-bar">
        <CallStatus message={readMessage} testId="report-message" />
        <button type="button" className="secondary" onClick={() => void refresh()} disabled={reading}>
          Refresh
        </button>
      </div>
      {report ? <ReportFigures report={report} timeZone={timeZone} /> : reading && <p className="muted">Reading the report…</p>}
      <div className="buttons">
        {(['report.csv', 'orders.csv'] as const).map((file) => (
          <button key={file} type="button" className="secondary" onClick={() => void download(file)} disabled={downloading.sending}>
            Download {file}
          </button>
        ))}
      </div>
      <CallStatus message={downloading.message} testId="download-message" />
    </section>
  );
}

function ReportFigures({ report, timeZone }: { report: SaleReportAnswer; timeZone: string }) {
  const totals = minuteTotals(report.minutes);
  // Queue times and conversion are zeros before the first admission, which is not a wait of 0 s.
  const admitted = totals.admitted > 0;
  const wait = (seconds: number) => (admitted ? waitText(seconds) : 'none yet');
  return (
    <>
      <dl className="counters schedule-figures" data-testid="report-sale">
        <Figure label="Status" testId="report-status" value={STATUS_WORDS[report.status]} />
        <Figure
          label="Sold out at"
          testId="report-sold-out-at"
          value={report.soldOutAt ? readableInstant(report.soldOutAt, timeZone) : 'not sold out'}
        />
      </dl>
      <dl className="counters">
        <Figure label="Queue time, median (p50)" testId="report-p50" value={wait(report.queueSeconds.p50)} />
        <Figure label="Queue time, p95" testId="report-p95" value={wait(report.queueSeconds.p95)} />
        <Figure label="Queue time, p99" testId="report-p99" value={wait(report.queueSeconds.p99)} />
        <Figure
          label="Conversion (purchases per admission)"
          testId="report-conversion"
          value={admitted ? percent(report.conversion, 1) : 'none yet'}
        />
      </dl>
      {nothingHappened(report.minutes) ? (
        <p className="muted" data-testid="report-empty">
          Nothing has happened yet: no shopper has joined, been admitted or bought. The chart and the minutes appear once they do.
        </p>
      ) : (
        <>
          <ReportChart minutes={report.minutes} />
          <MinuteTable minutes={report.minutes} totals={totals} timeZone={timeZone} />
        </>
      )}
      <div className="admin-columns">
        <ReportOutcomes outcomes={report.outcomes} />
        <ReportAbuse abuse={report.abuse} />
      </div>
    </>
  );
}

/** What the chart shows, for a screen reader and for reading exact figures. */
function MinuteTable({ minutes, totals, timeZone }: { minutes: readonly ReportMinute[]; totals: MinuteCounts; timeZone: string }) {
  return (
    <div className="report-minutes" tabIndex={0} role="region" aria-label="Minutes of the sale">
      <table className="figures-table" data-testid="report-minutes">
        <caption>Per minute, from the minute&apos;s start on your clock</caption>
        <thead>
          <tr>
            <th scope="col">Minute</th>
            {MINUTE_FIGURES.map(({ key, label }) => (
              <th key={key} scope="col" className="number">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {minutes.map((minute) => (
            <tr key={minute.at}>
              <th scope="row" title={readableInstant(minute.at, timeZone)}>
                {minuteOfDay(minute.at, timeZone)}
              </th>
              <MinuteCells counts={minute} />
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">All minutes</th>
            <MinuteCells counts={totals} />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function MinuteCells({ counts }: { counts: MinuteCounts }) {
  return MINUTE_FIGURES.map(({ key }) => (
    <td key={key} className="number">
      {counts[key].toLocaleString('en')}
    </td>
  ));
}

function ReportOutcomes({ outcomes }: { outcomes: SaleReportAnswer['outcomes'] }) {
  return (
    <div>
      <h3>Outcomes</h3>
      <OutcomeTable outcomes={outcomes} caption="Purchase attempts over the sale, by outcome" testId="report-outcomes" />
    </div>
  );
}

function ReportAbuse({ abuse }: { abuse: SaleReportAnswer['abuse'] }) {
  return (
    <div>
      <h3>Abuse</h3>
      <dl className="counters">
        <Figure label="Challenges failed" testId="report-challenges-failed" value={abuse.challengesFailed.toLocaleString('en')} />
        <Figure label="Places refused" testId="report-places-refused" value={abuse.placesRefused.toLocaleString('en')} />
      </dl>
      <p data-testid="report-blocked">
        {abuse.blocked.length === 0 ? 'No network barred.' : 'Barred: '}
        {abuse.blocked.map((network, index) => (
          <span key={network}>
            {index > 0 && ', '}
            <code>{network}</code>
          </span>
        ))}
      </p>
      <TopNetworks networks={abuse.topNetworks} caption="Busiest networks over the sale" testId="report-top-networks" />
    </div>
  );
}

/** A fetched file saved as a download: a plain link cannot carry the bearer header. */
function saveFile(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // After the click's task, not at once: some browsers read the URL only when the download starts.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
