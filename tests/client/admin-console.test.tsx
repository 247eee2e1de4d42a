import '@testing-library/jest-dom';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AdminStateAnswer, AdmissionSettingsAnswer, SaleAnswer } from '@flashsale/common/contract';
import { AdminConsole } from '../../client/src/admin/AdminConsole';
import { AdmissionControls } from '../../client/src/admin/AdmissionControls';
import { BlockedNetworks } from '../../client/src/admin/BlockedNetworks';
import { LedgerFigures } from '../../client/src/admin/LedgerFigures';
import { browserTimeZone, localInputOf, readableInstant } from '../../client/src/admin/local-time';
import { settingsChange } from '../../client/src/admin/settings-form';
import { headerOf, jsonResponse as json } from './fake-response';

// uPlot draws on a canvas, which jsdom has not got; the chart is not what these tests look at.
jest.mock('../../client/src/admin/HistoryChart', () => ({ HistoryChart: () => null }));
jest.mock('../../client/src/admin/ReportChart', () => ({ ReportChart: () => null }));

const SETTINGS: AdmissionSettingsAnswer = { ratePerMinute: 600, paused: false, maxActive: null, overbook: 1, challengeMaxNumber: 100_000 };

function stateAnswer(settings = SETTINGS): AdminStateAnswer {
  return {
    settings,
    counters: {
      waiting: 1234,
      activeAdmissions: 7,
      admittedTotal: 90,
      expiredAdmissions: 3,
      sold: 80,
      remaining: 20,
      outcomes: { purchased: 80 },
      connectedSockets: 1300,
      present: 1000,
      absent: 234,
      passedOver: 410,
      timedOut: 12,
      challengesFailed: 17,
      placesRefused: 1_250,
    },
    abuse: {
      topNetworks: [
        { network: '203.0.113.0/24', places: 50 },
        { network: '2001:db8:1:2::/64', places: 9 },
      ],
      blocked: ['198.51.100.0/24'],
    },
    instance: { id: 'wr-1', connectedSockets: 1300, admissionRatePerMinuteMeasured: 598 },
    serverTime: '2030-01-01T12:00:00.000Z',
  };
}

const SALE: SaleAnswer = {
  saleId: 'sale-1',
  status: 'upcoming',
  startsAt: '2030-01-01T13:00:00.000Z',
  endsAt: '2030-01-01T15:00:00.000Z',
  serverTime: '2030-01-01T12:00:00.000Z',
  product: { name: 'Trail shoe' },
  stock: { total: 100, remaining: 100 },
  queue: { waiting: 1234, admissionRatePerMinute: 600, paused: false },
  lottery: { order: 'fifo' },
};

let fetchMock: jest.Mock<Promise<Response>, [string, RequestInit?]>;

/** The console's two polls answered as the server would: the state and the sale. */
function answerPolls(state: AdminStateAnswer = stateAnswer(), sale: SaleAnswer = SALE) {
  return (url: string) => Promise.resolve(json(200, url === '/api/sale' ? sale : state));
}

beforeEach(() => {
  fetchMock = jest.fn<Promise<Response>, [string, RequestInit?]>();
  globalThis.fetch = fetchMock as unknown as typeof fetch;
  window.sessionStorage.clear();
});

function callsWith(method: string): { url: string; init: RequestInit | undefined; body: unknown }[] {
  return fetchMock.mock.calls
    .filter(([, init]) => init?.method === method)
    .map(([url, init]) => ({ url, init, body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined }));
}
const patchCalls = () => callsWith('PATCH');

describe('the admission controls', () => {
  it('send only the changed fields, with the admin token', async () => {
    fetchMock.mockResolvedValue(json(200, { settings: { ...SETTINGS, ratePerMinute: 120, maxActive: 50 } }));
    const onChanged = jest.fn();
    render(<AdmissionControls adminToken="secret" settings={SETTINGS} onChanged={onChanged} onUnauthorized={jest.fn()} />);
    const user = userEvent.setup();

    await user.clear(screen.getByLabelText('Rate per minute'));
    await user.type(screen.getByLabelText('Rate per minute'), '120');
    await user.type(screen.getByLabelText(/Max active/), '50');
    await user.click(screen.getByRole('button', { name: 'Apply' }));

    await waitFor(() => expect(onChanged).toHaveBeenCalledWith({ ...SETTINGS, ratePerMinute: 120, maxActive: 50 }));
    const [call] = patchCalls();
    expect(call?.url).toBe('/api/admin/admission');
    expect(call?.body).toEqual({ ratePerMinute: 120, maxActive: 50 });
    expect(headerOf(call?.init, 'Authorization')).toBe('Bearer secret');
    expect(screen.getByTestId('controls-message')).toHaveTextContent('Settings applied.');
  });

  it('pause and resume send paused alone', async () => {
    fetchMock.mockResolvedValue(json(200, { settings: { ...SETTINGS, paused: true } }));
    render(<AdmissionControls adminToken="secret" settings={SETTINGS} onChanged={jest.fn()} onUnauthorized={jest.fn()} />);
    expect(screen.getByRole('button', { name: 'Resume' })).toBeDisabled();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Pause' }));
    await waitFor(() => expect(patchCalls()).toHaveLength(1));
    expect(patchCalls()[0]?.body).toEqual({ paused: true });
  });

  it("show the server's message for a refused change", async () => {
    const message = 'Invalid admission settings: overbook: Too small: expected number to be >=1. Nothing was changed.';
    fetchMock.mockResolvedValue(json(400, { error: { code: 'bad_request', message } }));
    render(<AdmissionControls adminToken="secret" settings={SETTINGS} onChanged={jest.fn()} onUnauthorized={jest.fn()} />);
    const user = userEvent.setup();
    await user.clear(screen.getByLabelText(/Overbook/));
    await user.type(screen.getByLabelText(/Overbook/), '0.5');
    await user.click(screen.getByRole('button', { name: 'Apply' }));

    await waitFor(() => expect(screen.getByTestId('controls-message')).toHaveTextContent(message));
    expect(patchCalls()[0]?.body).toEqual({ overbook: 0.5 });
  });

  it('show the challenge cost, and send it alone when only it changed', async () => {
    fetchMock.mockResolvedValue(json(200, { settings: { ...SETTINGS, challengeMaxNumber: 0 } }));
    const onChanged = jest.fn();
    const { rerender } = render(
      <AdmissionControls adminToken="secret" settings={SETTINGS} onChanged={onChanged} onUnauthorized={jest.fn()} />,
    );
    expect(screen.getByTestId('challenge-state')).toHaveTextContent('Joining costs a proof of work of up to 100,000 hashes.');
    const user = userEvent.setup();
    await user.clear(screen.getByLabelText(/Challenge cost/));
    await user.type(screen.getByLabelText(/Challenge cost/), '0');
    await user.click(screen.getByRole('button', { name: 'Apply' }));

    await waitFor(() => expect(onChanged).toHaveBeenCalledWith({ ...SETTINGS, challengeMaxNumber: 0 }));
    expect(patchCalls().map((call) => call.body)).toEqual([{ challengeMaxNumber: 0 }]);
    rerender(
      <AdmissionControls
        adminToken="secret"
        settings={{ ...SETTINGS, challengeMaxNumber: 0 }}
        onChanged={onChanged}
        onUnauthorized={jest.fn()}
      />,
    );
    expect(screen.getByTestId('challenge-state')).toHaveTextContent('the challenge is off');
  });

  it('send nothing when nothing changed', async () => {
    render(<AdmissionControls adminToken="secret" settings={SETTINGS} onChanged={jest.fn()} onUnauthorized={jest.fn()} />);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Apply' }));
    expect(screen.getByTestId('controls-message')).toHaveTextContent('Nothing to change.');
    expect(patchCalls()).toEqual([]);
  });

  it('turn an emptied max active into null, and refuse words that are not numbers', () => {
    const fields = { ratePerMinute: '600', maxActive: '', overbook: '1', challengeMaxNumber: '100000' };
    expect(settingsChange({ ...SETTINGS, maxActive: 10 }, fields)).toEqual({
      ok: true,
      change: { maxActive: null },
    });
    expect(settingsChange(SETTINGS, { ...fields, ratePerMinute: 'fast' })).toMatchObject({ ok: false });
  });
});

describe('the barred networks', () => {
  const BLOCKED = ['198.51.100.0/24'];

  it('bar a network with a CIDR, with the admin token, and show the new list', async () => {
    fetchMock.mockResolvedValue(json(200, { blocked: [...BLOCKED, '203.0.113.0/24'] }));
    const onChanged = jest.fn();
    render(<BlockedNetworks adminToken="secret" blocked={BLOCKED} onChanged={onChanged} onUnauthorized={jest.fn()} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Network to bar (CIDR)'), ' 203.0.113.0/24 ');
    await user.click(screen.getByRole('button', { name: 'Bar network' }));

    await waitFor(() => expect(onChanged).toHaveBeenCalledWith([...BLOCKED, '203.0.113.0/24']));
    const [call] = callsWith('POST');
    expect(call?.url).toBe('/api/admin/blocked-networks');
    expect(call?.body).toEqual({ network: '203.0.113.0/24' });
    expect(headerOf(call?.init, 'Authorization')).toBe('Bearer secret');
    expect(screen.getByTestId('networks-message')).toHaveTextContent('203.0.113.0/24 is barred');
    expect(screen.getByLabelText('Network to bar (CIDR)')).toHaveValue('');
  });

  it('lift the bar on a network, its CIDR encoded in the path', async () => {
    fetchMock.mockResolvedValue(json(200, { blocked: [] }));
    const onChanged = jest.fn();
    render(<BlockedNetworks adminToken="secret" blocked={BLOCKED} onChanged={onChanged} onUnauthorized={jest.fn()} />);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Lift the bar on 198.51.100.0/24' }));

    await waitFor(() => expect(onChanged).toHaveBeenCalledWith([]));
    const [call] = callsWith('DELETE');
    expect(call?.url).toBe('/api/admin/blocked-networks/198.51.100.0%2F24');
    expect(headerOf(call?.init, 'Authorization')).toBe('Bearer secret');
    expect(screen.getByTestId('networks-message')).toHaveTextContent('The bar on 198.51.100.0/24 is lifted.');
  });

  it("show the server's message for a value that is not a CIDR, and change nothing", async () => {
    const message = 'network must be a CIDR such as 203.0.113.0/24.';
    fetchMock.mockResolvedValue(json(400, { error: { code: 'bad_request', message } }));
    const onChanged = jest.fn();
    render(<BlockedNetworks adminToken="secret" blocked={[]} onChanged={onChanged} onUnauthorized={jest.fn()} />);
    expect(screen.getByText('No network is barred.')).toBeInTheDocument();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Network to bar (CIDR)'), '10.0.0.300/33');
    await user.click(screen.getByRole('button', { name: 'Bar network' }));

    await waitFor(() => expect(screen.getByTestId('networks-message')).toHaveTextContent(message));
    expect(screen.getByTestId('networks-message')).toHaveClass('problem');
    expect(screen.getByLabelText('Network to bar (CIDR)')).toHaveValue('10.0.0.300/33');
    expect(onChanged).not.toHaveBeenCalled();
  });

  it('ask for a network before sending an empty one', async () => {
    render(<BlockedNetworks adminToken="secret" blocked={[]} onChanged={jest.fn()} onUnauthorized={jest.fn()} />);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Bar network' }));
    expect(screen.getByTestId('networks-message')).toHaveTextContent('Enter a network to bar');
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe('the operator console', () => {
  it('asks again, with a clear message, when the admin token is refused', async () => {
    fetchMock.mockResolvedValue(json(401, { error: { code: 'unauthorized', message: 'The operator API needs Authorization' } }));
    render(<AdminConsole />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Admin token'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Open the console' }));

    expect(await screen.findByText('That admin token was not accepted.')).toBeInTheDocument();
    expect(screen.getByLabelText('Admin token')).toHaveAttribute('type', 'password');
    expect(window.sessionStorage.getItem('flashsale.adminToken')).toBeNull();
    expect(headerOf(fetchMock.mock.calls[0]?.[1], 'Authorization')).toBe('Bearer wrong');
  });

  it('shows the live counters once the token is accepted, and polls every second', async () => {
    jest.useFakeTimers();
    try {
      window.sessionStorage.setItem('flashsale.adminToken', 'secret');
      fetchMock.mockImplementation(answerPolls());
      render(<AdminConsole />);
      expect(await screen.findByTestId('counter-waiting')).toHaveTextContent('1,234');
      expect(screen.getByTestId('counter-sold')).toHaveTextContent('80');
      expect(screen.getByTestId('counter-present')).toHaveTextContent('1,000');
      expect(screen.getByTestId('counter-absent')).toHaveTextContent('234');
      expect(screen.getByTestId('counter-passedOver')).toHaveTextContent('410');
      expect(screen.getByTestId('admission-state')).toHaveTextContent('running');
      const polls = () => fetchMock.mock.calls.filter(([url]) => url === '/api/admin/state').length;
      const calls = polls();
      await act(async () => {
        await jest.advanceTimersByTimeAsync(1_000);
      });
      expect(polls()).toBe(calls + 1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('shows the abuse figures: refusals, the busiest networks and the barred ones', async () => {
    window.sessionStorage.setItem('flashsale.adminToken', 'secret');
    fetchMock.mockImplementation(answerPolls());
    render(<AdminConsole />);
    expect(await screen.findByTestId('counter-challengesFailed')).toHaveTextContent('17');
    expect(screen.getByTestId('counter-placesRefused')).toHaveTextContent('1,250');
    const table = screen.getByRole('table', { name: 'Busiest networks, by places taken' });
    const cells = within(table)
      .getAllByRole('cell')
      .map((cell) => cell.textContent);
    expect(cells).toEqual(['203.0.113.0/24', '50', '2001:db8:1:2::/64', '9']);
    expect(within(screen.getByTestId('blocked-networks')).getByText('198.51.100.0/24')).toBeInTheDocument();
  });

  it('lists a network it bars at once, before the next poll', async () => {
    jest.useFakeTimers();
    try {
      window.sessionStorage.setItem('flashsale.adminToken', 'secret');
      fetchMock.mockImplementation((url, init) =>
        init?.method === 'POST' ? Promise.resolve(json(200, { blocked: ['198.51.100.0/24', '203.0.113.0/24'] })) : answerPolls()(url),
      );
      render(<AdminConsole />);
      // The clock stands still, so no poll comes between the bar and the list.
      const user = userEvent.setup({ advanceTimers: (ms) => jest.advanceTimersByTime(ms) });
      await user.type(await screen.findByLabelText('Network to bar (CIDR)'), '203.0.113.0/24');
      await user.click(screen.getByRole('button', { name: 'Bar network' }));

      expect(await within(screen.getByTestId('blocked-networks')).findByText('203.0.113.0/24')).toBeInTheDocument();
      expect(fetchMock.mock.calls.filter(([url]) => url === '/api/admin/state')).toHaveLength(1);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('the whole sale at a glance', () => {
  const SERVER_TIME = '2030-01-01T12:00:00.000Z';

  it('shows presence, the outcomes by code and the ledger from the state answer', async () => {
    window.sessionStorage.setItem('flashsale.adminToken', 'secret');
    const state: AdminStateAnswer = {
      ...stateAnswer(),
      counters: { ...stateAnswer().counters, outcomes: { token_expired: 5, purchased: 80, sold_out: 15 } },
      ledger: { written: 75, pending: 5, lastWriteAt: '2030-01-01T11:59:48.000Z' },
    };
    fetchMock.mockImplementation(answerPolls(state));
    render(<AdminConsole />);

    const presence = within(await screen.findByRole('region', { name: 'Presence' }));
    expect(presence.getByTestId('counter-present')).toHaveTextContent('1,000');
    expect(presence.getByTestId('counter-absent')).toHaveTextContent('234');
    expect(presence.getByTestId('counter-timedOut')).toHaveTextContent('12');
    expect(presence.getByTestId('presence-share')).toHaveTextContent('81 % of the 1,234 waiting are present.');

    const outcomes = screen.getByRole('table', { name: 'Purchase attempts, sale-wide' });
    const rows = within(outcomes)
      .getAllByRole('row')
      .map((row) =>
        within(row)
          .queryAllByRole('cell')
          .map((cell) => cell.textContent),
      );
    // Most frequent first, whatever order the answer listed them in; the total in the footer.
    expect(rows.filter((cells) => cells.length === 3)).toEqual([
      ['Purchased purchased', '80', '80 %'],
      ['Sold out sold_out', '15', '15 %'],
      ['Admission expired token_expired', '5', '5 %'],
    ]);
    expect(within(outcomes).getByRole('rowheader', { name: 'All attempts' }).parentElement).toHaveTextContent('100');

    const ledger = within(screen.getByRole('region', { name: 'Ledger' }));
    expect(ledger.getByTestId('ledger-written')).toHaveTextContent('75');
    expect(ledger.getByTestId('ledger-pending')).toHaveTextContent('5');
    expect(ledger.getByTestId('ledger-last-write')).toHaveTextContent('12 s ago');
    expect(ledger.getByTestId('ledger-health')).toHaveTextContent('Behind: 5 orders wait to be written.');
  });

  it('says when there is no ledger, when it is up to date, and when it is still within its 5 s', () => {
    const { rerender } = render(<LedgerFigures ledger={undefined} serverTime={SERVER_TIME} />);
    expect(screen.getByTestId('ledger-health')).toHaveTextContent('No ledger');
    expect(screen.queryByTestId('ledger-written')).toBeNull();

    rerender(
      <LedgerFigures ledger={{ written: 1_250_000, pending: 0, lastWriteAt: '2029-12-31T23:00:00.000Z' }} serverTime={SERVER_TIME} />,
    );
    expect(screen.getByTestId('ledger-written')).toHaveTextContent('1,250,000');
    expect(screen.getByTestId('ledger-last-write')).toHaveTextContent('13 h 0 min ago');
    expect(screen.getByTestId('ledger-health')).toHaveTextContent('Up to date: every order is in the ledger.');

    rerender(<LedgerFigures ledger={{ written: 10, pending: 1, lastWriteAt: '2030-01-01T11:59:58.000Z' }} serverTime={SERVER_TIME} />);
    expect(screen.getByTestId('ledger-health')).toHaveTextContent('Writing: 1 order waits to be written.');

    rerender(<LedgerFigures ledger={{ written: 0, pending: 3, lastWriteAt: null }} serverTime={SERVER_TIME} />);
    expect(screen.getByTestId('ledger-last-write')).toHaveTextContent('none yet');
    expect(screen.getByTestId('ledger-health')).toHaveTextContent('Behind: 3 orders wait to be written.');
  });

  it('says there was no purchase yet rather than show an empty table', async () => {
    window.sessionStorage.setItem('flashsale.adminToken', 'secret');
    fetchMock.mockImplementation(answerPolls({ ...stateAnswer(), counters: { ...stateAnswer().counters, outcomes: {} } }));
    render(<AdminConsole />);
    expect(await screen.findByText('No purchase attempted yet.')).toBeInTheDocument();
    expect(screen.queryByTestId('outcomes')).toBeNull();
  });

  it("prefills the schedule from GET /api/sale, shows a saved change at once, and a poll asked before the save doesn't bring the old sale back", async () => {
    jest.useFakeTimers();
    try {
      window.sessionStorage.setItem('flashsale.adminToken', 'secret');
      const zone = browserTimeZone();
      const moved: SaleAnswer = { ...SALE, startsAt: '2030-01-01T13:30:00.000Z' };
      const held: { answer?: (response: Response) => void } = {};
      let salePolls = 0;
      fetchMock.mockImplementation((url, init) => {
        if (init?.method === 'PATCH') return Promise.resolve(json(200, moved));
        if (url === '/api/sale' && ++salePolls === 2) return new Promise((resolve) => (held.answer = resolve));
        return answerPolls()(url);
      });
      render(<AdminConsole />);
      const start = await screen.findByLabelText(/^Start/);
      expect(start).toHaveValue(localInputOf(SALE.startsAt, zone));
      expect(screen.getByTestId('schedule-starts')).toHaveTextContent(readableInstant(SALE.startsAt, zone));

      // The second poll asks for the sale; its answer is held back until after the save.
      await act(async () => {
        await jest.advanceTimersByTimeAsync(1_000);
      });
      expect(held.answer).toBeDefined();
      fireEvent.change(start, { target: { value: localInputOf(moved.startsAt, zone) } });
      const user = userEvent.setup({ advanceTimers: (ms) => jest.advanceTimersByTime(ms) });
      await user.click(screen.getByRole('button', { name: 'Save schedule' }));

      expect(await screen.findByText(/^Saved\./)).toBeInTheDocument();
      const [call] = patchCalls();
      expect(call?.url).toBe('/api/admin/sale');
      expect(Object.keys(call?.body as object)).toEqual(['startsAt']);
      expect(Date.parse((call?.body as { startsAt: string }).startsAt)).toBe(Date.parse(moved.startsAt));
      expect(screen.getByTestId('schedule-starts')).toHaveTextContent(readableInstant(moved.startsAt, zone));

      await act(async () => {
        held.answer?.(json(200, SALE));
        await jest.advanceTimersByTimeAsync(0);
      });
      expect(screen.getByTestId('schedule-starts')).toHaveTextContent(readableInstant(moved.startsAt, zone));
      expect(start).toHaveValue(localInputOf(moved.startsAt, zone));
    } finally {
      jest.useRealTimers();
    }
  });
});
