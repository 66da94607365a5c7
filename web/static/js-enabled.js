// Marks the page as scripted before it is painted, as the NHS.UK frontend
// expects, so its components show their enhanced forms without a flash.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' nhsuk-frontend-supported' : '');
