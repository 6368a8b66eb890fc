/* p11probe: what a PKCS#11 token does with the mechanisms and attributes coldvault relies on.
 *
 *   cc -o p11probe hsm/probe/p11probe.c -I/usr/include/p11-kit-1 -ldl
 *   P11PROBE_PIN=... ./p11probe MODULE.so [TOKEN-LABEL]
 *
 * An operator tool for judging a new HSM before pointing coldvault at it (docs/pkcs11-modules.md
 * records its output for the tested modules); not part of coldvault's build. It logs in as the user
 * (PIN from $P11PROBE_PIN, never argv), creates *session* objects only, and prints one line per
 * check: the mechanism's C_GetMechanismInfo answer, then each attribute template's CK_RV.
 */
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static const char *rvs(CK_RV rv) {
  static char buf[32];
  switch (rv) {
    case CKR_OK: return "CKR_OK";
    case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
    case CKR_ATTRIBUTE_TYPE_INVALID: return "CKR_ATTRIBUTE_TYPE_INVALID";
    case CKR_ATTRIBUTE_VALUE_INVALID: return "CKR_ATTRIBUTE_VALUE_INVALID";
    case CKR_ATTRIBUTE_READ_ONLY: return "CKR_ATTRIBUTE_READ_ONLY";
    case CKR_TEMPLATE_INCONSISTENT: return "CKR_TEMPLATE_INCONSISTENT";
    case CKR_TEMPLATE_INCOMPLETE: return "CKR_TEMPLATE_INCOMPLETE";
    case CKR_KEY_NOT_WRAPPABLE: return "CKR_KEY_NOT_WRAPPABLE";
    case CKR_KEY_UNEXTRACTABLE: return "CKR_KEY_UNEXTRACTABLE";
    case CKR_KEY_FUNCTION_NOT_PERMITTED: return "CKR_KEY_FUNCTION_NOT_PERMITTED";
    case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
    case CKR_FUNCTION_FAILED: return "CKR_FUNCTION_FAILED";
  }
  snprintf(buf, sizeof buf, "CKR_0x%lx", (unsigned long)rv);
  return buf;
}

static void mech(const char *name, CK_MECHANISM_TYPE m, CK_SLOT_ID slot) {
  CK_MECHANISM_INFO info;
  memset(&info, 0, sizeof info);
  CK_RV rv = f->C_GetMechanismInfo(slot, m, &info);
  if (rv == CKR_OK)
    printf("mechanism %-28s yes  key sizes %lu..%lu flags 0x%lx\n", name, info.ulMinKeySize,
           info.ulMaxKeySize, info.flags);
  else
    printf("mechanism %-28s no   %s\n", name, rvs(rv));
}

/* An RSA-2048 session key pair whose private half gets `extra` added to a minimal template. */
static CK_RV rsa_with(CK_ATTRIBUTE *extra, CK_ULONG n, CK_OBJECT_HANDLE *priv) {
  CK_ULONG bits = 2048;
  CK_BYTE e[] = {1, 0, 1};
  CK_ATTRIBUTE pub[] = {{CKA_TOKEN, &no, 1}, {CKA_MODULUS_BITS, &bits, sizeof bits},
                        {CKA_PUBLIC_EXPONENT, e, sizeof e}, {CKA_WRAP, &yes, 1}};
  CK_ATTRIBUTE pv[8] = {{CKA_TOKEN, &no, 1}, {CKA_SENSITIVE, &yes, 1}, {CKA_UNWRAP, &yes, 1}};
  CK_ULONG np = 3;
  for (CK_ULONG i = 0; i < n; i++) pv[np++] = extra[i];
  CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
  CK_OBJECT_HANDLE hp;
  return f->C_GenerateKeyPair(s, &m, pub, 4, pv, np, &hp, priv);
}

static CK_RV aes_with(CK_ATTRIBUTE *extra, CK_ULONG n, CK_OBJECT_HANDLE *h) {
  CK_ULONG len = 32;
  CK_ATTRIBUTE t[8] = {{CKA_TOKEN, &no, 1}, {CKA_VALUE_LEN, &len, sizeof len},
                       {CKA_SENSITIVE, &yes, 1}, {CKA_WRAP, &yes, 1}, {CKA_UNWRAP, &yes, 1}};
  CK_ULONG nt = 5;
  for (CK_ULONG i = 0; i < n; i++) t[nt++] = extra[i];
  CK_MECHANISM m = {CKM_AES_KEY_GEN, NULL, 0};
  return f->C_GenerateKey(s, &m, t, nt, h);
}

int main(int argc, char **argv) {
  const char *pin = getenv("P11PROBE_PIN");
  if (argc < 2 || pin == NULL) {
    fprintf(stderr, "usage: P11PROBE_PIN=... p11probe MODULE.so [TOKEN-LABEL]\n");
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW);
  if (lib == NULL) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
  CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
  if (gfl == NULL || gfl(&f) != CKR_OK || f->C_Initialize(NULL) != CKR_OK) return 1;
  CK_SLOT_ID slots[64];
  CK_ULONG ns = 64;
  f->C_GetSlotList(CK_TRUE, slots, &ns);
  CK_SLOT_ID slot = (CK_SLOT_ID)-1;
  for (CK_ULONG i = 0; i < ns; i++) {
    CK_TOKEN_INFO ti;
    if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || !(ti.flags & CKF_TOKEN_INITIALIZED)) continue;
    size_t l = argc > 2 ? strlen(argv[2]) : 0;
    if (argc <= 2 || (l <= 32 && memcmp(ti.label, argv[2], l) == 0 &&
                      (l == 32 || ti.label[l] == ' '))) {
      slot = slots[i];
      printf("token '%.32s' model '%.16s' manufacturer '%.32s'\n", ti.label, ti.model,
             ti.manufacturerID);
      break;
    }
  }
  if (slot == (CK_SLOT_ID)-1) { fprintf(stderr, "no initialised token found\n"); return 1; }
  if (f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK ||
      f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)) != CKR_OK) {
    fprintf(stderr, "open/login failed\n");
    return 1;
  }

#define M(x) mech(#x, x, slot)
  M(CKM_RSA_PKCS_KEY_PAIR_GEN); M(CKM_EC_KEY_PAIR_GEN); M(CKM_AES_KEY_GEN);
  M(CKM_GENERIC_SECRET_KEY_GEN); M(CKM_RSA_PKCS_OAEP); M(CKM_RSA_PKCS); M(CKM_RSA_X_509);
  M(CKM_RSA_PKCS_PSS); M(CKM_ECDSA); M(CKM_AES_KEY_WRAP); M(CKM_AES_KEY_WRAP_PAD);
  M(CKM_AES_GCM); M(CKM_SHA256);

  CK_OBJECT_HANDLE h;
  CK_MECHANISM_TYPE oaep = CKM_RSA_PKCS_OAEP;
  CK_ATTRIBUTE allowed[] = {{CKA_ALLOWED_MECHANISMS, &oaep, sizeof oaep}};
  printf("attribute CKA_ALLOWED_MECHANISMS on RSA private key: %s\n", rvs(rsa_with(allowed, 1, &h)));
  CK_ATTRIBUTE wwt[] = {{CKA_EXTRACTABLE, &yes, 1}, {CKA_WRAP_WITH_TRUSTED, &yes, 1}};
  CK_RV rv = rsa_with(wwt, 2, &h);
  printf("attribute CKA_WRAP_WITH_TRUSTED on RSA private key: %s\n", rvs(rv));
  if (rv == CKR_OK) {
    /* Wrapping it under an ordinary (untrusted) AES key must be refused. */
    CK_OBJECT_HANDLE k;
    CK_ATTRIBUTE ext[] = {{CKA_EXTRACTABLE, &no, 1}};
    if (aes_with(ext, 1, &k) == CKR_OK) {
      CK_MECHANISM w = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
      CK_BYTE out[4096];
      CK_ULONG ol = sizeof out;
      printf("  wrap it under an untrusted AES key (KEY_WRAP_PAD): %s (want refusal)\n",
             rvs(f->C_WrapKey(s, &w, k, h, out, &ol)));
      w.mechanism = CKM_AES_CBC_PAD;
      CK_BYTE iv[16] = {0};
      w.pParameter = iv;
      w.ulParameterLen = sizeof iv;
      ol = sizeof out;
      printf("  wrap it under an untrusted AES key (CBC_PAD): %s (want refusal)\n",
             rvs(f->C_WrapKey(s, &w, k, h, out, &ol)));
    }
  }
  CK_ATTRIBUTE trusted[] = {{CKA_TRUSTED, &yes, 1}};
  printf("attribute CKA_TRUSTED=TRUE set by the user (must be SO only): %s\n",
         rvs(aes_with(trusted, 1, &h)));
  CK_ATTRIBUTE inner[] = {{CKA_SENSITIVE, &yes, 1}};
  CK_ATTRIBUTE ut[] = {{CKA_UNWRAP_TEMPLATE, inner, sizeof inner}};
  printf("attribute CKA_UNWRAP_TEMPLATE on AES key: %s\n", rvs(aes_with(ut, 1, &h)));
  f->C_Logout(s);
  f->C_CloseSession(s);
  f->C_Finalize(NULL);
  return 0;
}
