/**
 * Steps for tests of the safety number (`islands/_parts/SafetyNumber.tsx`):
 * read the code a page shows, answer whether it matches, and replace the
 * certificate a browser keeps.
 */
import type { User } from "./helpers.ts";

/** The state `[data-verify-state]` of the call says now. */
export function verifyState(user: User): Promise<string | null> {
  return user.page.evaluate(() =>
    document.querySelector("[data-testid=call-view]")?.getAttribute(
      "data-verify-state",
    ) ?? null
  );
}

/** Waits until the call's verify state is `state`. */
export async function waitForVerifyState(user: User, state: string) {
  await user.page.waitForFunction(
    (want) =>
      document.querySelector("[data-testid=call-view]")?.getAttribute(
        "data-verify-state",
      ) === want,
    state,
  );
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
 * Puts a new certificate where the app keeps this browser's one
 * (`client/safety/certificate.ts`), as a renewal would; the page must be
 * reloaded to use it.
 */
export async function replaceCertificate(user: User) {
  await user.page.evaluate(async () => {
    const cert = await RTCPeerConnection.generateCertificate(
      { name: "ECDSA", namedCurve: "P-256" } as AlgorithmIdentifier,
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
  });
}
