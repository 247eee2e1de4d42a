import '@testing-library/jest-dom';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { SaleAnswer, SaleStatus } from '@flashsale/common/contract';
import { isoOfLocalInput, localInputOf } from '../../client/src/admin/local-time';
import { SaleSchedule } from '../../client/src/admin/SaleSchedule';
import { headerOf, jsonResponse as json } from './fake-response';

// Jest runs in UTC here; a zone an hour or two ahead shows that the times are converted, not relabelled.
const PARIS = 'Europe/Paris';

function saleAnswer(status: SaleStatus = 'upcoming', change: Partial<SaleAnswer> = {}): SaleAnswer {
  return {
    saleId: 'sale-1',
    status,
    startsAt: '2030-01-01T12:00:00.000Z',
    endsAt: '2030-01-01T14:00:00.000Z',
    serverTime: '2030-01-01T11:00:00.000Z',
    product: { name: 'Trail shoe' },
    stock: { total: 100, remaining: status === 'upcoming' ? 100 : 40 },
    queue: { waiting: 0, admissionRatePerMinute: 600, paused: false },
    lottery: { order: 'fifo' },
    ...change,
  };
}

let fetchMock: jest.Mock<Promise<Response>, [string, RequestInit?]>;

beforeEach(() => {
  fetchMock = jest.fn<Promise<Response>, [string, RequestInit?]>();
  globalThis.fetch = fetchMock as unknown as typeof fetch;
});

const saleCalls = () =>
  fetchMock.mock.calls
    .filter(([url, init]) => url === '/api/admin/sale' && init?.method === 'PATCH')
    .map(([, init]) => ({ init, body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined }));

function renderSchedule(sale: SaleAnswer, onChanged = jest.fn()) {
  const view = render(<SaleSchedule adminToken="secret" sale={sale} timeZone={PARIS} onChanged={onChanged} onUnauthorized={jest.fn()} />);
  return { ...view, onChanged };
}

const input = (label: RegExp) => screen.getByLabelText(label);
const type = (label: RegExp, value: string) => fireEvent.change(input(label), { target: { value } });
const save = () => userEvent.setup().click(screen.getByRole('button', { name: 'Save schedule' }));

describe("the sale's times on the operator's clock", () => {
  it('read an instant on the wall clock of the zone, winter and summer', () => {
    expect(localInputOf('2030-01-01T12:00:00.000Z', PARIS)).toBe('2030-01-01T13:00');
    expect(localInputOf('2030-07-01T12:00:30.250Z', PARIS)).toBe('2030-07-01T14:00:30');
    expect(localInputOf('2030-01-01T12:00:00Z', 'UTC')).toBe('2030-01-01T12:00');
  });

  it("turn a wall-clock time into an instant with the zone's offset", () => {
    expect(isoOfLocalInput('2030-01-01T13:30', PARIS)).toBe('2030-01-01T13:30:00+01:00');
    expect(isoOfLocalInput('2030-07-01T13:30:15', PARIS)).toBe('2030-07-01T13:30:15+02:00');
    expect(isoOfLocalInput('2030-01-01T09:00', 'America/New_York')).toBe('2030-01-01T09:00:00-05:00');
    expect(Date.parse(isoOfLocalInput('2030-01-01T13:30', PARIS) ?? '')).toBe(Date.parse('2030-01-01T12:30:00Z'));
  });

  it('take the offset in force at that moment beside a daylight-saving change', () => {
    // Clocks go from 02:00 to 03:00 on 31 March 2030: 01:30 is still winter time, 03:30 summer time.
    expect(isoOfLocalInput('2030-03-31T01:30', PARIS)).toBe('2030-03-31T01:30:00+01:00');
    expect(isoOfLocalInput('2030-03-31T03:30', PARIS)).toBe('2030-03-31T03:30:00+02:00');
    // 02:30 never happens that night: it is read as the moment an hour on, not refused.
    expect(isoOfLocalInput('2030-03-31T02:30', PARIS)).toBe('2030-03-31T03:30:00+02:00');
  });

  it('refuse what is not a date and a time', () => {
    expect(isoOfLocalInput('', PARIS)).toBeNull();
    expect(isoOfLocalInput('2030-02-30T10:00', PARIS)).toBeNull();
    expect(isoOfLocalInput('tomorrow', PARIS)).toBeNull();
  });
});

describe('the sale schedule form', () => {
  it('starts from the sale as GET /api/sale shows it, on the operator clock', () => {
    renderSchedule(saleAnswer());
    expect(input(/^Start/)).toHaveValue('2030-01-01T13:00');
    expect(input(/^End/)).toHaveValue('2030-01-01T15:00');
    expect(input(/^Stock/)).toHaveValue(100);
    expect(screen.getByTestId('schedule-status')).toHaveTextContent('Not started');
    expect(screen.getByTestId('schedule-starts')).toHaveTextContent(/Tue,? 1 Jan 2030, 13:00:00/);
    expect(screen.getByTestId('schedule-ends')).toHaveTextContent(/Tue,? 1 Jan 2030, 15:00:00/);
    expect(screen.getByTestId('schedule-stock')).toHaveTextContent('100 (100 left)');
    expect(screen.getByText(/Times are on your clock \(Europe\/Paris\)/)).toBeInTheDocument();
  });

  it('sends only the start when only the start changed, as an instant with the zone, with the admin token', async () => {
    const moved = saleAnswer('upcoming', { startsAt: '2030-01-01T12:30:00.000Z' });
    fetchMock.mockResolvedValue(json(200, moved));
    const { onChanged } = renderSchedule(saleAnswer());
    type(/^Start/, '2030-01-01T13:30');
    await save();

    await waitFor(() => expect(onChanged).toHaveBeenCalledWith(moved));
    const [call] = saleCalls();
    expect(call?.body).toEqual({ startsAt: '2030-01-01T13:30:00+01:00' });
    expect(headerOf(call?.init, 'Authorization')).toBe('Bearer secret');
    expect(screen.getByTestId('schedule-message')).toHaveTextContent(
      /^Saved\. The sale starts Tue,? 1 Jan 2030, 13:30:00 and ends Tue,? 1 Jan 2030, 15:00:00, with a stock of 100\.$/,
    );
    expect(screen.getByTestId('schedule-problem')).toBeEmptyDOMElement();
  });

  it('sends the end and the stock, and nothing for the untouched start', async () => {
    fetchMock.mockResolvedValue(
      json(200, saleAnswer('upcoming', { endsAt: '2030-01-01T17:15:00.000Z', stock: { total: 250, remaining: 250 } })),
    );
    renderSchedule(saleAnswer());
    type(/^End/, '2030-01-01T18:15');
    await userEvent.setup().clear(input(/^Stock/));
    await userEvent.setup().type(input(/^Stock/), '250');
    await save();

    await waitFor(() => expect(saleCalls()).toHaveLength(1));
    expect(saleCalls()[0]?.body).toEqual({ endsAt: '2030-01-01T18:15:00+01:00', stock: 250 });
  });

  it('sends nothing when nothing changed, nor when a field is not a date', async () => {
    renderSchedule(saleAnswer());
    await save();
    expect(screen.getByTestId('schedule-message')).toHaveTextContent('Nothing to change.');
    type(/^End/, '');
    await save();
    expect(screen.getByRole('alert')).toHaveTextContent('The end must be a date and a time.');
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows a refusal in the server's words, keeps what the operator typed, and changes nothing shown", async () => {
    const message = 'The sale has started: only its end may move now. Nothing was changed.';
    fetchMock.mockResolvedValue(json(409, { error: { code: 'sale_started', message } }));
    const { onChanged } = renderSchedule(saleAnswer());
    type(/^Start/, '2030-01-01T13:45');
    type(/^Stock/, '80');
    await save();

    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    expect(screen.getByRole('alert')).toHaveClass('problem');
    expect(saleCalls()[0]?.body).toEqual({ startsAt: '2030-01-01T13:45:00+01:00', stock: 80 });
    expect(onChanged).not.toHaveBeenCalled();
    expect(input(/^Start/)).toHaveValue('2030-01-01T13:45');
    expect(input(/^Stock/)).toHaveValue(80);
    expect(screen.getByTestId('schedule-starts')).toHaveTextContent(/Tue,? 1 Jan 2030, 13:00:00/);
    expect(screen.getByTestId('schedule-stock')).toHaveTextContent('100 (100 left)');
    expect(screen.getByTestId('schedule-message')).toBeEmptyDOMElement();
  });

  it("shows a bad value's refusal in the server's words", async () => {
    const message = 'Invalid change to the sale: the end must come after the start. Nothing was changed.';
    fetchMock.mockResolvedValue(json(400, { error: { code: 'bad_request', message } }));
    renderSchedule(saleAnswer());
    type(/^End/, '2030-01-01T12:00');
    await save();
    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    expect(input(/^End/)).toHaveValue('2030-01-01T12:00');
  });

  it('once the sale is active, disables the start and the stock and says why; the end alone is sent', async () => {
    fetchMock.mockResolvedValue(json(200, saleAnswer('active', { endsAt: '2030-01-01T15:00:00.000Z' })));
    renderSchedule(saleAnswer('active'));
    const why = screen.getByTestId('schedule-locked');
    expect(why).toHaveTextContent('The sale has started, so its start and stock can no longer change.');
    expect(input(/^Start/)).toBeDisabled();
    expect(input(/^Stock/)).toBeDisabled();
    expect(input(/^Start/)).toHaveAccessibleDescription(why.textContent ?? '');
    expect(input(/^End/)).toBeEnabled();

    type(/^End/, '2030-01-01T16:00');
    await save();
    await waitFor(() => expect(saleCalls()).toHaveLength(1));
    expect(saleCalls()[0]?.body).toEqual({ endsAt: '2030-01-01T16:00:00+01:00' });
  });

  it('drops a start typed before the sale began, once it has begun', async () => {
    fetchMock.mockResolvedValue(json(200, saleAnswer('active')));
    const { rerender } = renderSchedule(saleAnswer());
    type(/^Start/, '2030-01-01T13:45');
    type(/^End/, '2030-01-01T16:00');
    rerender(
      <SaleSchedule adminToken="secret" sale={saleAnswer('active')} timeZone={PARIS} onChanged={jest.fn()} onUnauthorized={jest.fn()} />,
    );

    expect(input(/^Start/)).toHaveValue('2030-01-01T13:00');
    expect(input(/^End/)).toHaveValue('2030-01-01T16:00');
    await save();
    await waitFor(() => expect(saleCalls()).toHaveLength(1));
    expect(saleCalls()[0]?.body).toEqual({ endsAt: '2030-01-01T16:00:00+01:00' });
  });

  it('once sold out or ended, lets nothing move', () => {
    const { rerender } = renderSchedule(saleAnswer('sold_out'));
    expect(screen.getByTestId('schedule-locked')).toHaveTextContent('The sale is sold out, so its schedule can no longer change.');
    for (const label of [/^Start/, /^End/, /^Stock/]) expect(input(label)).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Save schedule' })).toBeDisabled();
    rerender(
      <SaleSchedule adminToken="secret" sale={saleAnswer('ended')} timeZone={PARIS} onChanged={jest.fn()} onUnauthorized={jest.fn()} />,
    );
    expect(screen.getByTestId('schedule-status')).toHaveTextContent('Ended');
    expect(input(/^End/)).toBeDisabled();
  });

  it('says nothing is locked before the start', () => {
    renderSchedule(saleAnswer());
    expect(screen.queryByTestId('schedule-locked')).toBeNull();
    for (const label of [/^Start/, /^End/, /^Stock/]) expect(input(label)).toBeEnabled();
  });
});
