// Order total in cents: sum of line items, minus a percentage discount, never below zero.
function orderTotal(items, discountPercent = 0) {
  const gross = items.reduce((sum, item) => sum + item.priceCents * item.quantity, 0);
  const net = Math.round(gross * (1 - discountPercent / 100));
  return Math.max(net, 0);
}

module.exports = { orderTotal };
