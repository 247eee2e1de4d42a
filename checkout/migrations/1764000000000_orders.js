/**
 * The ledger's one table, as the SPEC fixes its shape: fulfilment reads it. A purchase is
 * unique by order id, and a shopper has at most one order per sale.
 */
exports.up = (pgm) => {
  pgm.createTable(
    'orders',
    {
      order_id: { type: 'text', primaryKey: true },
      sale_id: { type: 'text', notNull: true },
      user_id: { type: 'text', notNull: true },
      purchased_at: { type: 'timestamptz', notNull: true },
    },
    { constraints: { unique: [['sale_id', 'user_id']] } },
  );
};

exports.down = (pgm) => {
  pgm.dropTable('orders');
};
