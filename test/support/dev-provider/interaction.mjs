// Answers oidc-provider's interactions without a human: the single test user
// logs in and grants whatever was asked.

import { ACR } from './configuration.mjs';

/**
 * Logs the test user in and grants what was asked, then redirects back to the authorization
 * endpoint (303), which redirects to the client's redirect_uri with a code.
 * @param {any} provider the oidc-provider instance
 * @param {import('../oidc-dev-provider.mjs').DevUser} user
 * @param {any} ctx
 */
export async function finishInteraction(provider, user, ctx) {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params, session } = details;
  /** @type {any} */
  const result = {};
  let accountId = session?.accountId;
  if (!accountId || prompt.name === 'login') {
    accountId = user.sub;
    result.login = { accountId, acr: ACR, amr: ['pwd'], remember: true };
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  if (params.scope) grant.addOIDCScope(params.scope);
  if (params.claims) {
    const claims = JSON.parse(params.claims);
    for (const key of ['id_token', 'userinfo']) {
      if (claims[key]) grant.addOIDCClaims(Object.keys(claims[key]));
    }
  }
  result.consent = { grantId: await grant.save() };
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.status = 303;
  ctx.redirect(returnTo);
}
