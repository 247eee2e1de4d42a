/**
 * The orders of a sale in the order they were bought: the operator's orders.csv reads them a page
 * at a time from here, so each page is a range of this index, not a sort of the whole table.
 */
exports.up = (pgm) => {
  pgm.createIndex('orders', ['sale_id', 'purchased_at', 'order_id'], { name: 'orders_by_time' });
};

exports.down = (pgm) => {
  pgm.dropIndex('orders', ['sale_id', 'purchased_at', 'order_id'], { name: 'orders_by_time' });
};
