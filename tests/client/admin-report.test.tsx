import '@testing-library/jest-dom';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { SaleReportAnswer } from '@flashsale/common/contract';
import type uPlot from 'uplot';
import { isSaleReport, minuteColumns, nothingHappened, waitText } from '../../client/src/admin/report';
import { SaleReport } from '../../client/src/admin/SaleReport';
import { headerOf, jsonResponse as json } from './fake-response';

/** What the fake uPlot was built with, and whether it was taken down (jest.mock may only see names starting with mock). */
const mockPlots: { options: uPlot.Options; data: uPlot.AlignedData; destroyed: boolean }[] = [];

// uPlot draws on a canvas and reads matchMedia, neither of which jsdom has: a stand-in records what it was given.
jest.mock('uplot', () => {
  class FakePlot {
    static paths = { stepped: (options: { align: number }) => `stepped, align ${options.align}` };
    private readonly record: (typeof mockPlots)[number];
    constructor(options: uPlot.Options, data: uPlot.AlignedData) {
      this.record = { options, data, destroyed: false };
      mockPlots.push(this.record);
    }
    setSize() {}
    destroy() {
      this.record.destroyed = true;
    }
  }
  return { __esModule: true, default: FakePlot };
});

// Jest runs in UTC here; Paris, an hour ahead in winter, shows that times are read on the operator's clock.
const PARIS = 'Europe/Paris';

const REPORT: SaleReportAnswer = {
  saleId: 'sale-1',
  status: 'sold_out',
  soldOutAt: '2030-01-01T12:02:30.000Z',
  minutes: [
    { at: '2030-01-01T12:00:00.000Z', joined: 1500, admitted: 600, purchased: 530, expired: 20, left: 3 },
    { at: '2030-01-01T12:01:00.000Z', joined: 200, admitted: 400, purchased: 345, expired: 10, left: 7 },
    { at: '2030-01-01T12:02:00.000Z', joined: 0, admitted: 0, purchased: 0, expired: 0, left: 0 },
  ],
  queueSeconds: { p50: 12.34, p95: 125, p99: 3780.4 },
  conversion: 0.875,
  outcomes: { sold_out: 120, purchased: 875, token_expired: 30 },
  abuse: {
    challengesFailed: 17,
    placesRefused: 1250,
    blocked: ['198.51.100.0/24'],
    topNetworks: [{ network: '203.0.113.0/24', places: 50 }],
  },
};

/** Before anything happened: the server's zeros. */
const QUIET: SaleReportAnswer = {
  saleId: 'sale-1',
  status: 'upcoming',
  minutes: [],
  queueSeconds: { p50: 0, p95: 0, p99: 0 },
  conversion: 0,
  outcomes: {},
  abuse: { challengesFailed: 0, placesRefused: 0, blocked: [], topNetworks: [] },
};

const REPORT_CSV = 'at,joined,admitted,purchased,expired,left\n2030-01-01T12:00:00.000Z,1500,600,530,20,3\n';
const ORDERS_CSV = 'order_id,sale_id,user_id,purchased_at\no-1,sale-1,alice,2030-01-01T12:00:05.000Z\n';

/** A text answer, as the CSV endpoints give. */
function csvResponse(text: string): Response {
  return {
    ok: true,
    status: 200,
    headers: { get: (name: string) => (name.toLowerCase() === 'content-type' ? 'text/csv; charset=utf-8' : null) },
    text: () => Promise.resolve(text),
  } as unknown as Response;
}

let fetchMock: jest.Mock<Promise<Response>, [string, RequestInit?]>;

/** The server's answers by path; a path not listed fails the test loudly. */
function answer(byPath: Record<string, Response | (() => Response)>) {
  fetchMock.mockImplementation((url) => {
    const found = byPath[url];
    if (!found) throw new Error(`unexpected request for ${url}`);
    return Promise.resolve(typeof found === 'function' ? found() : found);
  });
}

beforeEach(() => {
  mockPlots.length = 0;
  fetchMock = jest.fn<Promise<Response>, [string, RequestInit?]>();
  globalThis.fetch = fetchMock as unknown as typeof fetch;
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
});

function renderReport(onUnauthorized = jest.fn()) {
  const view = render(<SaleReport adminToken="secret" timeZone={PARIS} onUnauthorized={onUnauthorized} />);
  return { ...view, onUnauthorized };
}

const requestsFor = (path: string) => fetchMock.mock.calls.filter(([url]) => url === path);

/** Each body row's cells as text; row headers count as cells. */
function rowsOf(table: HTMLElement, section: 'tbody' | 'tfoot' = 'tbody'): string[][] {
  return [...table.querySelectorAll(`${section} tr`)].map((row) =>
    [...row.querySelectorAll('th, td')].map((cell) => cell.textContent ?? ''),
  );
}

describe('the report view', () => {
  it('reads GET /api/admin/report with the admin token and shows its figures', async () => {
    answer({ '/api/admin/report': json(200, REPORT) });
    renderReport();

    expect(await screen.findByTestId('report-p50')).toHaveTextContent('12.3 s');
    const [request] = requestsFor('/api/admin/report');
    expect(headerOf(request?.[1], 'Authorization')).toBe('Bearer secret');
    expect(screen.getByRole('heading', { level: 2, name: 'Report' })).toBeInTheDocument();
    expect(screen.getByTestId('report-status')).toHaveTextContent('Sold out');
    expect(screen.getByTestId('report-sold-out-at')).toHaveTextContent('Tue, 1 Jan 2030, 13:02:30');
    expect(screen.getByTestId('report-p95')).toHaveTextContent('2 min 5 s');
    expect(screen.getByTestId('report-p99')).toHaveTextContent('1 h 3 min');
    expect(screen.getByTestId('report-conversion')).toHaveTextContent('88 %');

    // Most frequent first, whatever order the answer listed them in.
    expect(rowsOf(screen.getByTestId('report-outcomes'))).toEqual([
      ['Purchased purchased', '875', '85 %'],
      ['Sold out sold_out', '120', '12 %'],
      ['Admission expired token_expired', '30', '3 %'],
    ]);
    expect(screen.getByTestId('report-challenges-failed')).toHaveTextContent('17');
    expect(screen.getByTestId('report-places-refused')).toHaveTextContent('1,250');
    expect(screen.getByTestId('report-blocked')).toHaveTextContent('Barred: 198.51.100.0/24');
    expect(rowsOf(screen.getByTestId('report-top-networks'))).toEqual([['203.0.113.0/24', '50']]);
  });

  it('lists every minute on the operator clock, with the totals, for those who cannot see the chart', async () => {
    answer({ '/api/admin/report': json(200, REPORT) });
    renderReport();

    const table = await screen.findByRole('table', { name: /^Per minute/ });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((cell) => cell.textContent),
    ).toEqual(['Minute', 'Joined', 'Admitted', 'Purchased', 'Expired', 'Left']);
    expect(rowsOf(table)).toEqual([
      ['13:00', '1,500', '600', '530', '20', '3'],
      ['13:01', '200', '400', '345', '10', '7'],
      ['13:02', '0', '0', '0', '0', '0'],
    ]);
    expect(rowsOf(table, 'tfoot')).toEqual([['All minutes', '1,700', '1,000', '875', '30', '10']]);
  });

  it('charts the five figures per minute as labelled stepped lines, and takes the chart down when it goes', async () => {
    answer({ '/api/admin/report': json(200, REPORT) });
    const { unmount } = renderReport();

    await waitFor(() => expect(mockPlots).toHaveLength(1));
    const [plot] = mockPlots;
    expect(plot?.options.series.slice(1).map((series) => series.label)).toEqual(['Joined', 'Admitted', 'Purchased', 'Expired', 'Left']);
    expect(plot?.options.series.slice(1).map((series) => series.paths)).toEqual(Array(5).fill('stepped, align 1'));
    const minuteStart = Date.parse('2030-01-01T12:00:00.000Z') / 1000;
    // A closing point a minute after the last, so the last minute is drawn too.
    expect(plot?.data).toEqual([
      [minuteStart, minuteStart + 60, minuteStart + 120, minuteStart + 180],
      [1500, 200, 0, 0],
      [600, 400, 0, 0],
      [530, 345, 0, 0],
      [20, 10, 0, 0],
      [3, 7, 0, 0],
    ]);
    expect(screen.getByRole('img', { name: /per minute/ })).toBeInTheDocument();

    unmount();
    expect(plot?.destroyed).toBe(true);
  });

  it('says that nothing has happened yet instead of drawing an empty chart', async () => {
    answer({ '/api/admin/report': json(200, QUIET) });
    renderReport();

    expect(await screen.findByTestId('report-empty')).toHaveTextContent('Nothing has happened yet');
    expect(screen.queryByTestId('report-minutes')).toBeNull();
    expect(screen.queryByRole('img')).toBeNull();
    // Zeros before the first admission are no wait at all, not a wait of 0 s.
    expect(screen.getByTestId('report-p50')).toHaveTextContent('none yet');
    expect(screen.getByTestId('report-conversion')).toHaveTextContent('none yet');
    expect(screen.getByTestId('report-status')).toHaveTextContent('Not started');
    expect(screen.getByTestId('report-sold-out-at')).toHaveTextContent('not sold out');
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
    expect(mockPlots).toHaveLength(0);
  });

  it("says a refused read in the server's words", async () => {
    const message = 'The store cannot be reached right now.';
    answer({ '/api/admin/report': json(503, { error: { code: 'unavailable', message } }) });
    renderReport();

    await waitFor(() => expect(screen.getByTestId('report-message')).toHaveTextContent(message));
    expect(screen.getByTestId('report-message')).toHaveClass('problem');
    expect(screen.queryByTestId('report-p50')).toBeNull();
  });

  it('says so when the answer is not a report, rather than breaking the console', async () => {
    answer({ '/api/admin/report': json(200, { settings: {}, counters: {} }) });
    renderReport();

    await waitFor(() => expect(screen.getByTestId('report-message')).toHaveTextContent('not a report'));
    expect(isSaleReport({ settings: {}, counters: {} })).toBe(false);
    expect(isSaleReport(REPORT)).toBe(true);
  });

  it('reads the report again on Refresh, and keeps the last one on screen when that is refused', async () => {
    const answers = [
      json(200, REPORT),
      json(200, { ...REPORT, queueSeconds: { ...REPORT.queueSeconds, p50: 45 } }),
      json(500, { error: { code: 'internal_error', message: 'Something broke on the server.' } }),
    ];
    answer({ '/api/admin/report': () => answers.shift() ?? json(500, null) });
    renderReport();
    expect(await screen.findByTestId('report-p50')).toHaveTextContent('12.3 s');
    const user = userEvent.setup();

    await user.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(screen.getByTestId('report-p50')).toHaveTextContent('45 s'));

    await user.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(screen.getByTestId('report-message')).toHaveTextContent('Something broke on the server.'));
    expect(screen.getByTestId('report-p50')).toHaveTextContent('45 s');
    expect(requestsFor('/api/admin/report')).toHaveLength(3);
  });

  it('hands a refused admin token to the console, which signs out', async () => {
    answer({ '/api/admin/report': json(401, { error: { code: 'unauthorized', message: 'The operator API needs Authorization' } }) });
    const { onUnauthorized } = renderReport();
    await waitFor(() => expect(onUnauthorized).toHaveBeenCalledTimes(1));
  });
});

describe('the CSV downloads', () => {
  let createObjectURL: jest.Mock<string, [Blob]>;
  let revokeObjectURL: jest.Mock<void, [string]>;
  let clicked: { download: string; href: string; inDocument: boolean }[];

  beforeEach(() => {
    // jsdom has neither object URLs nor navigation: these record what a browser would be asked to save.
    let made = 0;
    createObjectURL = jest.fn<string, [Blob]>(() => `blob:fake-${++made}`);
    revokeObjectURL = jest.fn<void, [string]>();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    clicked = [];
    jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push({ download: this.download, href: this.getAttribute('href') ?? '', inDocument: document.body.contains(this) });
    });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  /** jsdom's Blob has no text(). */
  function textOf(blob: Blob): Promise<string> {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result as string);
      reader.onerror = () => reject(reader.error ?? new Error('unreadable blob'));
      reader.readAsText(blob);
    });
  }

  it.each([
    ['report.csv', REPORT_CSV],
    ['orders.csv', ORDERS_CSV],
  ])('fetch %s with the admin token and save it through a Blob and an object URL', async (file, csv) => {
    answer({ '/api/admin/report': json(200, REPORT), [`/api/admin/${file}`]: csvResponse(csv) });
    renderReport();
    await userEvent.setup().click(screen.getByRole('button', { name: `Download ${file}` }));

    await waitFor(() => expect(clicked).toHaveLength(1));
    const [request] = requestsFor(`/api/admin/${file}`);
    expect(headerOf(request?.[1], 'Authorization')).toBe('Bearer secret');
    expect(createObjectURL).toHaveBeenCalledTimes(1);
    const blob = createObjectURL.mock.calls[0]?.[0];
    expect(blob?.type).toBe('text/csv;charset=utf-8');
    expect(await textOf(blob as Blob)).toBe(csv);
    expect(clicked).toEqual([{ download: file, href: 'blob:fake-1', inDocument: true }]);
    await waitFor(() => expect(revokeObjectURL).toHaveBeenCalledWith('blob:fake-1'));
    expect(screen.getByTestId('download-message')).toHaveTextContent(`Downloaded ${file}.`);
  });

  it("says a refused download in the server's words, and saves nothing", async () => {
    const message = 'The ledger cannot be reached right now.';
    answer({ '/api/admin/report': json(200, REPORT), '/api/admin/orders.csv': json(503, { error: { code: 'unavailable', message } }) });
    renderReport();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Download orders.csv' }));

    await waitFor(() => expect(screen.getByTestId('download-message')).toHaveTextContent(message));
    expect(screen.getByTestId('download-message')).toHaveClass('problem');
    expect(createObjectURL).not.toHaveBeenCalled();
    expect(clicked).toEqual([]);
  });
});

describe('the report rules', () => {
  it('write waits in seconds, then minutes, then hours', () => {
    expect(waitText(0.44)).toBe('0.4 s');
    expect(waitText(12.34)).toBe('12.3 s');
    expect(waitText(59.96)).toBe('1 min 0 s');
    expect(waitText(125)).toBe('2 min 5 s');
    expect(waitText(3780.4)).toBe('1 h 3 min');
  });

  it('count quiet minutes as nothing happened, and any figure as something', () => {
    const quiet = { at: '2030-01-01T12:00:00.000Z', joined: 0, admitted: 0, purchased: 0, expired: 0, left: 0 };
    expect(nothingHappened([])).toBe(true);
    expect(nothingHappened([quiet, quiet])).toBe(true);
    expect(nothingHappened([quiet, { ...quiet, left: 1 }])).toBe(false);
    expect(minuteColumns([])).toEqual([[], [], [], [], [], []]);
  });
});
