import '@testing-library/jest-dom';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AdminStateAnswer, AdmissionSettingsAnswer } from '@flashsale/common/contract';
import { AdminConsole } from '../../client/src/admin/AdminConsole';
import { AdmissionControls } from '../../client/src/admin/AdmissionControls';
import { settingsChange } from '../../client/src/admin/settings-form';
import { headerOf, jsonResponse as json } from './fake-response';

// uPlot draws on a canvas, which jsdom has not got; the chart is not what these tests look at.
jest.mock('../../client/src/admin/HistoryChart', () => ({ HistoryChart: () => null }));

const SETTINGS: AdmissionSettingsAnswer = { ratePerMinute: 600, paused: false, maxActive: null, overbook: 1 };

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
    },
    instance: { id: 'wr-1', connectedSockets: 1300, admissionRatePerMinuteMeasured: 598 },
    serverTime: '2030-01-01T12:00:00.000Z',
  };
}

let fetchMock: jest.Mock<Promise<Response>, [string, RequestInit?]>;

beforeEach(() => {
  fetchMock = jest.fn<Promise<Response>, [string, RequestInit?]>();
  globalThis.fetch = fetchMock as unknown as typeof fetch;
  window.sessionStorage.clear();
});

function patchCalls(): { url: string; init: RequestInit | undefined; body: unknown }[] {
  return fetchMock.mock.calls
    .filter(([, init]) => init?.method === 'PATCH')
    .map(([url, init]) => ({ url, init, body: JSON.parse(init?.body as string) as unknown }));
}

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

  it('turn an emptied max active into null, and refuse words that are not numbers', () => {
    expect(settingsChange({ ...SETTINGS, maxActive: 10 }, { ratePerMinute: '600', maxActive: '', overbook: '1' })).toEqual({
      ok: true,
      change: { maxActive: null },
    });
    expect(settingsChange(SETTINGS, { ratePerMinute: 'fast', maxActive: '', overbook: '1' })).toMatchObject({ ok: false });
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
      fetchMock.mockImplementation(() => Promise.resolve(json(200, stateAnswer())));
      render(<AdminConsole />);
      expect(await screen.findByTestId('counter-waiting')).toHaveTextContent('1,234');
      expect(screen.getByTestId('counter-sold')).toHaveTextContent('80');
      expect(screen.getByTestId('counter-present')).toHaveTextContent('1,000');
      expect(screen.getByTestId('counter-absent')).toHaveTextContent('234');
      expect(screen.getByTestId('counter-passedOver')).toHaveTextContent('410');
      expect(screen.getByTestId('admission-state')).toHaveTextContent('running');
      const calls = fetchMock.mock.calls.length;
      await act(async () => {
        await jest.advanceTimersByTimeAsync(1_000);
      });
      expect(fetchMock.mock.calls.length).toBe(calls + 1);
    } finally {
      jest.useRealTimers();
    }
  });
});
