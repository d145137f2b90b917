/**
 * Steps for tests of the safety number (`islands/_parts/SafetyNumber.tsx`):
 * read the code a page shows, answer whether it matches, and replace the
 * certificate a browser keeps.
 */
import { connect, type User, waitForMediaFlow } from "./helpers.ts";

/** The state `[data-verify-state]` of the call says now. */
export function verifyState(user: User): Promise<string | null> {
  return user.page.getAttribute(
    "[data-testid=call-view]",
    "data-verify-state",
  );
}

/** Waits until the call's verify state is `state`. */
export async function waitForVerifyState(user: User, state: string) {
  await user.page.waitForSelector(
    `[data-testid=call-view][data-verify-state=${state}]`,
  );
}

/** Connects `caller` to `callee` and waits for media both ways. */
export async function callWithMedia(caller: User, callee: User) {
  await connect(caller, callee);
  await Promise.all([waitForMediaFlow(caller), waitForMediaFlow(callee)]);
}

/** Opens the Verify dialog and waits until it shows a code. */
export async function openVerify(user: User): Promise<string> {
  await user.page.click("#verify-call");
  await user.page.waitForFunction(() =>
    (document.querySelector("[data-safety-code]")?.textContent ?? "").trim() !==
      ""
  );
  return ((await user.page.textContent("[data-safety-code]")) ?? "").trim();
}

/** Closes the Verify dialog. */
export async function closeVerify(user: User) {
  await user.page.click("[data-testid=verify-close]");
  await user.page.waitForSelector("[data-testid=verify-dialog]", {
    state: "detached",
  });
}

/** The code `user`'s page shows in the Verify dialog. */
export async function readSafetyCode(user: User): Promise<string> {
  const code = await openVerify(user);
  await closeVerify(user);
  return code;
}

/** Both people open the dialog and say the codes match, one after the other. */
export async function bothConfirm(a: User, b: User) {
  await openVerify(a);
  await openVerify(b);
  await a.page.click("[data-testid=safety-match]");
  await b.page.waitForFunction(() =>
    (document.querySelector("[data-testid=verify-state]")?.textContent ?? "")
      .includes("says the numbers match")
  );
  await b.page.click("[data-testid=safety-match]");
  await Promise.all([
    waitForVerifyState(a, "verified"),
    waitForVerifyState(b, "verified"),
  ]);
  await closeVerify(a);
  await closeVerify(b);
}

/**
 * When the certificate the browser keeps for calls in IndexedDB expires
 * (ms since the epoch), or null when it keeps none.
 */
export function keptCertificate(user: User): Promise<number | null> {
  return user.page.evaluate(async () => {
    const open = indexedDB.open("parley-keys");
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    try {
      if (!db.objectStoreNames.contains("certificates")) return null;
      const get = db.transaction("certificates").objectStore("certificates")
        .get("dtls");
      const cert = await new Promise<unknown>((resolve, reject) => {
        get.onsuccess = () => resolve(get.result);
        get.onerror = () => reject(get.error);
      });
      return cert instanceof RTCCertificate ? cert.expires : null;
    } finally {
      db.close();
    }
  });
}

/**
 * Puts a new certificate where the app keeps this browser's one
 * (`client/safety/certificate.ts`), as a renewal would; the page must be
 * reloaded to use it.
 */
export async function replaceCertificate(user: User, lifetimeMs?: number) {
  await user.page.evaluate(async (expires) => {
    const cert = await RTCPeerConnection.generateCertificate(
      {
        name: "ECDSA",
        namedCurve: "P-256",
        ...(expires ? { expires } : {}),
      } as AlgorithmIdentifier,
    );
    const open = indexedDB.open("parley-keys", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("certificates");
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const tx = db.transaction("certificates", "readwrite");
    tx.objectStore("certificates").put(cert, "dtls");
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, lifetimeMs);
}
