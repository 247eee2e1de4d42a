import type {
  AdminStateAnswer,
  AdmissionSettingsAnswer,
  BlockedNetworksAnswer,
  SaleAnswer,
  SaleReportAnswer,
} from '@flashsale/common/contract';
import { bearer, failure, requestJson, requestText, type ApiResult } from '../shared/http';
import { isSaleReport } from './report';

export type AdmissionChange = Partial<AdmissionSettingsAnswer>;

export function fetchAdminState(adminToken: string): Promise<ApiResult<AdminStateAnswer>> {
  return requestJson<AdminStateAnswer>('/api/admin/state', { headers: bearer(adminToken), cache: 'no-store' });
}

export function patchAdmission(adminToken: string, change: AdmissionChange): Promise<ApiResult<{ settings: AdmissionSettingsAnswer }>> {
  return requestJson<{ settings: AdmissionSettingsAnswer }>('/api/admin/admission', {
    method: 'PATCH',
    headers: { ...bearer(adminToken), 'Content-Type': 'application/json' },
    body: JSON.stringify(change),
  });
}

/** Bars a network (a CIDR): its waiting places leave the queue, and its joins are refused. */
export function barNetwork(adminToken: string, network: string): Promise<ApiResult<BlockedNetworksAnswer>> {
  return requestJson<BlockedNetworksAnswer>('/api/admin/blocked-networks', {
    method: 'POST',
    headers: { ...bearer(adminToken), 'Content-Type': 'application/json' },
    body: JSON.stringify({ network }),
  });
}

export function liftNetwork(adminToken: string, network: string): Promise<ApiResult<BlockedNetworksAnswer>> {
  return requestJson<BlockedNetworksAnswer>(`/api/admin/blocked-networks/${encodeURIComponent(network)}`, {
    method: 'DELETE',
    headers: bearer(adminToken),
  });
}

/** The sentence an operator reads for a refused call. */
export function adminFailureMessage(failure: { code: string; message: string }): string {
  if (failure.code === 'unauthorized') return 'That admin token was not accepted.';
  if (failure.code === 'network') return 'The server cannot be reached. Retrying…';
  if (failure.code === 'bad_request' && failure.message !== '') return failure.message;
  return failure.message !== '' ? failure.message : 'The server could not do that. Please try again.';
}

/** The body of PATCH /api/admin/sale: ISO-8601 instants with a zone, and the whole stock. */
export interface SaleChange {
  startsAt?: string;
  endsAt?: string;
  stock?: number;
}

/** GET /api/sale, the public view the schedule form starts from. */
export function fetchSale(): Promise<ApiResult<SaleAnswer>> {
  return requestJson<SaleAnswer>('/api/sale', { cache: 'no-store' });
}

/** Moves the sale's start, end or stock; the answer is the sale as GET /api/sale then shows it. */
export function patchSale(adminToken: string, change: SaleChange): Promise<ApiResult<SaleAnswer>> {
  return requestJson<SaleAnswer>('/api/admin/sale', {
    method: 'PATCH',
    headers: { ...bearer(adminToken), 'Content-Type': 'application/json' },
    body: JSON.stringify(change),
  });
}

/** GET /api/admin/report; an answer that is not a report is a failure, said in words. */
export async function fetchReport(adminToken: string): Promise<ApiResult<SaleReportAnswer>> {
  const result = await requestJson<unknown>('/api/admin/report', { headers: bearer(adminToken), cache: 'no-store' });
  if (!result.ok || isSaleReport(result.body)) return result as ApiResult<SaleReportAnswer>;
  return failure(result.status, 'internal_error', 'The server answered with something that is not a report.');
}

export type CsvFile = 'report.csv' | 'orders.csv';

/** A CSV download's text: it needs the bearer header, so the console fetches it and saves it itself. */
export function fetchCsv(adminToken: string, file: CsvFile): Promise<ApiResult<string>> {
  return requestText(`/api/admin/${file}`, { headers: { ...bearer(adminToken), Accept: 'text/csv' }, cache: 'no-store' });
}
