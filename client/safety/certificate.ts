/**
 * This browser's DTLS certificate, made once and kept in IndexedDB, so a
 * person keeps one fingerprint across calls and reloads and a verified
 * safety number stays verified. A certificate close to its end is replaced
 * by a new one; the people it calls then see the number change and compare
 * again, which is the price of not trusting a key forever.
 */

/** The database, store and key the certificate is kept under. */
export const CERTIFICATE_DB = "parley-keys";
export const CERTIFICATE_STORE = "certificates";
export const CERTIFICATE_KEY = "dtls";

const DAY = 24 * 60 * 60 * 1000;
/** How long a new certificate is asked to last. */
export const CERTIFICATE_LIFETIME_MS = 365 * DAY;
/** A certificate with less left than this is replaced before it is used. */
export const RENEW_BEFORE_MS = 30 * DAY;

/** Whether a certificate that expires at `expires` should be replaced. */
export function needsRenewal(expires: number, now: number): boolean {
  return !Number.isFinite(expires) || expires - now < RENEW_BEFORE_MS;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openStore(): Promise<IDBDatabase> {
  const open = indexedDB.open(CERTIFICATE_DB, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(CERTIFICATE_STORE);
  return request(open);
}

async function generate(): Promise<RTCCertificate> {
  const ecdsa = { name: "ECDSA", namedCurve: "P-256" };
  try {
    return await RTCPeerConnection.generateCertificate({
      ...ecdsa,
      expires: CERTIFICATE_LIFETIME_MS,
    } as AlgorithmIdentifier);
  } catch {
    // A browser that caps the lifetime lower refuses the request.
    return await RTCPeerConnection.generateCertificate(ecdsa);
  }
}

/**
 * The kept certificate, or a new one (then kept), or null where IndexedDB
 * or certificate generation is unavailable: calls then use a certificate
 * of their own, and the safety number still works for that call.
 */
export async function loadCertificate(
  now = Date.now(),
): Promise<RTCCertificate | null> {
  if (typeof indexedDB === "undefined") return null;
  try {
    const db = await openStore();
    try {
      const read = db.transaction(CERTIFICATE_STORE).objectStore(
        CERTIFICATE_STORE,
      );
      const kept = await request(read.get(CERTIFICATE_KEY)) as
        | RTCCertificate
        | undefined;
      if (kept && !needsRenewal(kept.expires, now)) return kept;
      const fresh = await generate();
      const write = db.transaction(CERTIFICATE_STORE, "readwrite")
        .objectStore(CERTIFICATE_STORE);
      await request(write.put(fresh, CERTIFICATE_KEY));
      return fresh;
    } finally {
      db.close();
    }
  } catch (err) {
    console.warn("no lasting certificate for calls", err);
    return null;
  }
}
