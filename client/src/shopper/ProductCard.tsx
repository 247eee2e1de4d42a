import type { Product } from '@flashsale/common/contract';

/**
 * What is on sale: the page's heading is the product's name, with its price and picture when the
 * shop set them. Before the sale answers, the heading says only that a sale is on.
 */
export function ProductCard({ product }: { product: Product | null }) {
  return (
    <header className="product">
      {product?.imageUrl && (
        // Width and height reserve the space before the picture arrives, so nothing below jumps.
        <img className="product-image" src={product.imageUrl} alt={product.name} width={640} height={480} decoding="async" />
      )}
      <div className="product-text">
        <p className="product-kicker">Flash sale</p>
        <h1 data-testid="product-name">{product?.name ?? 'Flash sale'}</h1>
        {product?.price && (
          <p className="product-price" data-testid="product-price">
            {product.price}
          </p>
        )}
      </div>
    </header>
  );
}
